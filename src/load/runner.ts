// Runs one process's share of a load test: ramps the scenario's peers up at the given rate, holds for
// the duration, then stops media, tallies and closes every peer. A stop signal (Ctrl-C) cuts any phase
// short; peers still setting up then count as aborted, not failed.
import { LoadPeer, type PeerSettings } from './load-peer.js';
import type { LoadOptions } from './options.js';
import { audiobridgePlan } from './scenarios/audiobridge.js';
import { echotestPlan } from './scenarios/echotest.js';
import type { PeerTask, ScenarioPlan } from './scenarios/plan.js';
import { streamingPlan } from './scenarios/streaming.js';
import { videocallPlan } from './scenarios/videocall.js';
import { videoroomPlan } from './scenarios/videoroom.js';
import { proxyBackendSplit } from './proxy-split.js';
import { JanusApiError } from './signalling.js';
import { emptyStats, recordFailure, type RawStats, type TimelineSample } from './stats.js';

export type Progress = {
  phase: 'ramp' | 'run' | 'stop';
  started: number;
  planned: number;
  connected: number;
  failed: number;
  verified: number;
  cpuPct: number;
};

/** Time for packets in flight to arrive after the senders stop, before counting. */
const DRAIN_MS = 500;
const CLOSE_TIMEOUT_MS = 10_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** This worker's share of `total`, spread as evenly as possible. */
function share(total: number, worker: { index: number; count: number }): number {
  return Math.floor(total / worker.count) + (worker.index < total % worker.count ? 1 : 0);
}

function planFor(opts: LoadOptions, settings: PeerSettings, stats: RawStats): ScenarioPlan {
  const worker = opts.worker ?? { index: 0, count: 1 };
  if (opts.scenario === 'echotest') return echotestPlan(share(opts.peers, worker), worker.index);
  if (opts.scenario === 'videocall') return videocallPlan(share(opts.peers, worker), opts.roomBase, worker.index);
  if (opts.scenario === 'streaming') {
    return streamingPlan({ viewers: share(opts.viewers, worker), mountpoint: opts.mountpoint, rtpHost: opts.rtpHost, kbps: opts.kbps }, opts.roomBase, worker.index, settings, stats);
  }
  const rooms = Array.from({ length: opts.rooms }, (_, r) => r).filter((r) => r % worker.count === worker.index);
  if (opts.scenario === 'audiobridge') return audiobridgePlan({ rooms, participants: opts.participants }, opts.roomBase, worker.index, settings, stats);
  return videoroomPlan({ rooms, publishers: opts.publishers, subscribers: opts.subscribers }, opts.roomBase, worker.index, settings, stats);
}

class CpuMeter {
  private readonly cpu = process.cpuUsage();
  private readonly wall = performance.now();
  /** Share of one core used since the meter started, in percent. */
  pct(): number {
    const used = process.cpuUsage(this.cpu);
    const wallMs = performance.now() - this.wall;
    return wallMs > 0 ? ((used.user + used.system) / 1000 / wallMs) * 100 : 0;
  }
}

/** The proxy's own view of where this process's peers are (their sessions' handles per backend). */
async function readProxySplit(adminUrl: string, token: string | undefined, peers: LoadPeer[], controls: ReadonlySet<number>, stats: RawStats): Promise<void> {
  // The control sessions hold a handle on a Janus too: counted, so the split matches each Janus's own list.
  const ids = new Set([...controls, ...peers.flatMap((p) => (p.signalling?.id === undefined ? [] : [p.signalling.id]))]);
  try {
    stats.proxyBackends = await proxyBackendSplit(adminUrl, token, ids);
  } catch (err) {
    stats.proxyBackendsError = err instanceof Error ? err.message : String(err);
  }
}

function timelineSample(peers: readonly LoadPeer[], stats: RawStats, elapsedMs: number): TimelineSample {
  const sample: TimelineSample = { s: Math.round(elapsedMs / 100) / 10, started: peers.length, connected: stats.connected, failed: stats.failed, rxBytes: 0, verified: 0, expected: 0 };
  for (const peer of peers) {
    const totals = peer.verifier?.totalsNow();
    if (!totals) continue;
    sample.rxBytes += totals.bytes;
    sample.verified += totals.verified;
    sample.expected += totals.expected;
  }
  return sample;
}

export async function runLoad(opts: LoadOptions, stop: AbortSignal, onProgress: (p: Progress) => void): Promise<RawStats> {
  const settings: PeerSettings = {
    url: opts.url, transport: opts.transport, credentials: { apisecret: opts.apisecret, token: opts.token },
    iceAddress: opts.iceAddress, kbps: opts.kbps, sendLossPct: opts.sendLossPct, controlSessions: new Set(), setupTimeoutMs: opts.setupTimeoutS * 1000,
  };
  const stats = emptyStats(0);
  const plan = planFor(opts, settings, stats);
  stats.planned = plan.tasks.length;
  const cpu = new CpuMeter();
  const started = performance.now();
  const peers: LoadPeer[] = [];
  let phase: Progress['phase'] = 'ramp';
  let verifiedBefore = 0;
  const sampleNow = (): TimelineSample => timelineSample(peers, stats, performance.now() - started);
  const report = (sample = sampleNow()): void => {
    onProgress({ phase, started: peers.length, planned: stats.planned, connected: stats.connected, failed: stats.failed, verified: sample.verified - verifiedBefore, cpuPct: cpu.pct() });
    verifiedBefore = sample.verified;
  };
  // The timeline gets exactly one sample a second from 0, so that workers' samples line up by index.
  stats.timeline.push(sampleNow());
  const ticker = setInterval(() => {
    const sample = sampleNow();
    stats.timeline.push(sample);
    report(sample);
  }, 1000);

  const setUp = async (peer: LoadPeer, task: PeerTask): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        task.run(peer),
        new Promise((_, reject) => { timer = setTimeout(() => { reject(new Error(`setup took longer than ${String(opts.setupTimeoutS)} s`)); }, settings.setupTimeoutMs); }),
        new Promise((_, reject) => { onAbort = () => { reject(new Error('stopped')); }; stop.addEventListener('abort', onAbort); }),
      ]);
      stats.connected++;
    } catch (err) {
      if (stop.aborted) stats.aborted++;
      else {
        recordFailure(stats, { peer: peer.name, code: err instanceof JanusApiError ? err.code ?? null : null, reason: err instanceof Error ? err.message : String(err) });
        await peer.close();
      }
    } finally {
      clearTimeout(timer);
      if (onAbort) stop.removeEventListener('abort', onAbort);
    }
  };

  try {
    const setups: Promise<void>[] = [];
    for (const [i, task] of plan.tasks.entries()) {
      await sleep(started + (i * 1000) / (opts.ramp / (opts.worker?.count ?? 1)) - performance.now(), stop);
      if (stop.aborted) break;
      const peer = new LoadPeer(task.name, settings, stats);
      peers.push(peer);
      setups.push(setUp(peer, task));
    }
    await Promise.all(setups);
    phase = 'run';
    report();
    if (opts.adminUrl !== undefined && stats.connected > 0) await readProxySplit(opts.adminUrl, opts.adminToken, peers, settings.controlSessions, stats);
    // Nothing to hold when no peer got media (a broken target): report at once.
    if (stats.connected > 0) await sleep(opts.durationS * 1000, stop);
  } finally {
    phase = 'stop';
    clearInterval(ticker);
    for (const peer of peers) peer.stopMedia();
    plan.stopMedia?.();
    const stoppedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS));
    stats.timeline.push(sampleNow());
    for (const peer of peers) peer.tally(stoppedAt);
    await Promise.race([
      Promise.allSettled([...peers.map((p) => p.close()), plan.cleanup()]),
      new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS)),
    ]);
    stats.runSeconds = (performance.now() - started) / 1000;
    stats.cpuPct = [cpu.pct()];
    stats.interrupted = stop.aborted;
  }
  return stats;
}
