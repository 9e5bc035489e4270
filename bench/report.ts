/** Turns scenario results into table rows with targets and verdicts. */
import type { ClusterResult } from './scenarios/cluster.js';
import { config, realTopologyTargets, targets } from './config.js';
import type { LatencyResult } from './scenarios/latency.js';
import { LATENCY_VERBS } from './scenarios/latency.js';
import type { MemoryResult } from './scenarios/memory.js';
import { otherCores } from './cpu.js';
import type { ThroughputResult } from './scenarios/throughput.js';
import type { WorkersResult } from './scenarios/workers.js';
import { mean, median, type PairedResult } from './scenarios/paired.js';
import { fmt, signed, verdict, type Row, type Section } from './table.js';

export function latencySection(result: LatencyResult): Section {
  const rows: Row[] = [];
  for (const verb of LATENCY_VERBS) {
    const d = result.direct[verb].summary();
    const p = result.proxy[verb].summary();
    const added50 = p.p50 - d.p50;
    const added99 = p.p99 - d.p99;
    rows.push({
      metric: `${verb} p50 (ms)`, direct: fmt(d.p50, 3), proxy: fmt(p.p50, 3), delta: signed(added50, 3),
      target: `added < ${targets.addedP50Ms}`, result: verdict(added50 < targets.addedP50Ms),
    });
    rows.push({
      metric: `${verb} p99 (ms)`, direct: fmt(d.p99, 3), proxy: fmt(p.p99, 3), delta: signed(added99, 3),
      target: `added < ${targets.addedP99Ms}`, result: verdict(added99 < targets.addedP99Ms),
    });
  }
  const pct = (n: number): string => `${fmt((100 * n) / result.iterations, 1)} %`;
  rows.push({
    metric: 'message: event arrived before its ack', direct: pct(result.eventFirst.direct), proxy: pct(result.eventFirst.proxy), delta: '',
    target: '', result: '',
  });
  rows.push({ metric: "other processes' CPU while measuring (cores)", direct: fmt(result.otherCores, 2), proxy: '', delta: '', target: '', result: '' });
  return { title: `Sequential latency, ${result.iterations} iterations per verb and side`, rows };
}

/**
 * "Within 5 µs of the reference relay" is judged where the proxy and the relay carry the load in the
 * same windows (pairedSection). Alternating rounds put them in different windows, and on this VM a
 * window's host speed alone moves everyone's CPU per message, Janus's own included, by up to a quarter:
 * their gap moved ±3–6 µs from run to run where the same-time gap moved ±1 µs, so it is shown, not judged.
 */
const RELAY_GAP_JUDGED_BY = 'judged at the same time, below';

/** CPU µs per message of the process in the `proxy` role (the proxy or the reference relay). */
function cpuPerMessage(r: ThroughputResult): number {
  return r.cpuUs.proxy ? (r.cpuUs.proxy.user + r.cpuUs.proxy.system) / r.messages : Number.NaN;
}

function cpuSplit(r: ThroughputResult): string {
  return r.cpuUs.proxy ? ` (${fmt(r.cpuUs.proxy.user / r.messages, 0)} usr + ${fmt(r.cpuUs.proxy.system / r.messages, 0)} sys)` : '';
}

/** The proxy with `store.type: redis` (own-host rounds), and what its redis-server did in the measured windows. */
export type RedisSide = { result: ThroughputResult; redisCommands: number; redisCpuUs: number };

/** Sides measured in some topologies only, in the same rounds as direct, the proxy and the relay. */
export type ExtraSides = { tuned?: ThroughputResult | undefined; redis?: RedisSide | undefined };

export function throughputSection(
  direct: ThroughputResult, proxy: ThroughputResult, relay: ThroughputResult, topology = 'loopback', extra: ExtraSides = {},
): Section {
  const { tuned, redis } = extra;
  const n = direct.sessions;
  const ratio = proxy.msgsPerSec / direct.msgsPerSec;
  const clean = direct.errors + direct.lost + proxy.errors + proxy.lost === 0;
  const d99 = direct.latency.summary().p99;
  const p99 = proxy.latency.summary().p99;
  const [d50, p50, r50] = [direct, proxy, relay].map((r) => r.latency.summary().p50) as [number, number, number];
  const proxyCpu = cpuPerMessage(proxy);
  const relayCpu = cpuPerMessage(relay);
  const perMsg = (us: number, messages: number): string => fmt(us / messages, 1);
  const own = topology !== 'loopback';
  const goal = own ? realTopologyTargets : targets;
  return {
    title: `Echotest message throughput (${topology}), ${n} sessions on ${direct.connections} connections, closed loop, ${Math.round(direct.windowMs / 1000)} s measured per side`,
    rows: [
      {
        metric: `msgs/s @${n}${topology === 'loopback' ? '' : ' (own host)'}`, direct: fmt(direct.msgsPerSec, 0), proxy: fmt(proxy.msgsPerSec, 0), delta: `×${fmt(ratio, 2)}`,
        target: `ratio ≥ ${goal.throughputRatio}`, result: verdict(clean && ratio >= goal.throughputRatio),
      },
      {
        // Whether the hop itself (any relay in between) or the proxy's own work costs the throughput.
        metric: `reference relay msgs/s @${n}`, direct: fmt(direct.msgsPerSec, 0), proxy: fmt(relay.msgsPerSec, 0),
        delta: `×${fmt(relay.msgsPerSec / direct.msgsPerSec, 2)}`, target: '', result: '',
      },
      ...(tuned ? [{
        metric: `proxy tuned msgs/s @${n}`, direct: fmt(direct.msgsPerSec, 0), proxy: fmt(tuned.msgsPerSec, 0),
        delta: `×${fmt(tuned.msgsPerSec / direct.msgsPerSec, 2)}`, target: '', result: '' as const,
      }] : []),
      { metric: `message → event p50 @${n} (ms)`, direct: fmt(d50, 2), proxy: fmt(p50, 2), delta: signed(p50 - d50, 2), target: '', result: '' },
      { metric: `reference relay message → event p50 @${n} (ms)`, direct: fmt(d50, 2), proxy: fmt(r50, 2), delta: signed(r50 - d50, 2), target: '', result: '' },
      { metric: `message → event p99 @${n} (ms)`, direct: fmt(d99, 2), proxy: fmt(p99, 2), delta: signed(p99 - d99, 2), target: '', result: '' },
      {
        metric: `proxy CPU per message @${n}${topology === 'loopback' ? '' : ' (own host)'} (µs)`, direct: '—', proxy: `${fmt(proxyCpu, 1)}${cpuSplit(proxy)}`, delta: '',
        target: `≤ ${goal.cpuUsPerMessage}`, result: verdict(proxyCpu <= goal.cpuUsPerMessage),
      },
      ...(tuned ? tunedRows(tuned, direct, proxyCpu) : []),
      {
        // Shown, not judged: see RELAY_GAP_JUDGED_BY.
        metric: `reference relay CPU per message @${n} (µs)`, direct: '—', proxy: `${fmt(relayCpu, 1)}${cpuSplit(relay)}`,
        delta: `proxy ${signed(proxyCpu - relayCpu, 1)}`, target: own ? RELAY_GAP_JUDGED_BY : '', result: '',
      },
      ...(redis ? redisRows(redis, { direct, proxy, relay }) : []),
      {
        metric: `Janus CPU per message @${n} (µs)`, direct: perMsg(direct.cpuUs.janus, direct.messages),
        proxy: perMsg(proxy.cpuUs.janus, proxy.messages), delta: '', target: '', result: '',
      },
      {
        metric: `load generator CPU per message @${n} (µs)`, direct: perMsg(direct.cpuUs.generator, direct.messages),
        proxy: perMsg(proxy.cpuUs.generator, proxy.messages), delta: '', target: '', result: '',
      },
      {
        metric: `other processes' CPU @${n} (cores)`, direct: fmt(otherCores(direct.cpuUs, direct.windowMs), 2),
        proxy: fmt(otherCores(proxy.cpuUs, proxy.windowMs), 2), delta: '',
        target: '', result: '',
      },
      {
        metric: `errors / lost @${n}`, direct: `${direct.errors} / ${direct.lost}`, proxy: `${proxy.errors} / ${proxy.lost}`, delta: '',
        target: '0 / 0', result: verdict(clean),
      },
    ],
  };
}

/** The tuned proxy's own rows (its msgs/s row sits with the other throughput rows). */
function tunedRows(tuned: ThroughputResult, direct: ThroughputResult, defaultsCpu: number): Row[] {
  const n = tuned.sessions;
  const t50 = tuned.latency.summary().p50;
  const d50 = direct.latency.summary().p50;
  const cpu = cpuPerMessage(tuned);
  return [
    { metric: `proxy tuned message → event p50 @${n} (ms)`, direct: fmt(d50, 2), proxy: fmt(t50, 2), delta: signed(t50 - d50, 2), target: '', result: '' },
    {
      metric: `proxy tuned CPU per message @${n} (µs)`, direct: '—', proxy: `${fmt(cpu, 1)}${cpuSplit(tuned)}`,
      delta: `vs defaults ${signed(cpu - defaultsCpu, 1)}`, target: '', result: '',
    },
    { metric: `errors / lost, proxy tuned @${n}`, direct: '—', proxy: `${tuned.errors} / ${tuned.lost}`, delta: '', target: '0 / 0', result: verdict(tuned.errors + tuned.lost === 0) },
  ];
}

/**
 * The Redis-store proxy's rows, against the same targets as the proxy on its defaults (the issue's
 * "no regression from the session take-over work"), and against the memory-store proxy of the same rounds.
 */
function redisRows(side: RedisSide, same: { direct: ThroughputResult; proxy: ThroughputResult; relay: ThroughputResult }): Row[] {
  const { direct, proxy, relay } = same;
  const r = side.result;
  const n = r.sessions;
  const goal = realTopologyTargets;
  const ratio = r.msgsPerSec / direct.msgsPerSec;
  const clean = r.errors + r.lost === 0;
  const cpu = cpuPerMessage(r);
  const aboveRelay = cpu - cpuPerMessage(relay);
  const [d50, r50] = [direct, r].map((x) => x.latency.summary().p50) as [number, number];
  const commandsPerMessage = side.redisCommands / Math.max(1, r.messages);
  return [
    {
      metric: `proxy, Redis store msgs/s @${n} (own host)`, direct: fmt(direct.msgsPerSec, 0), proxy: fmt(r.msgsPerSec, 0), delta: `×${fmt(ratio, 2)}`,
      target: `ratio ≥ ${goal.throughputRatio}`, result: verdict(clean && ratio >= goal.throughputRatio),
    },
    {
      metric: `proxy, Redis store msgs/s vs memory store @${n}`, direct: fmt(proxy.msgsPerSec, 0), proxy: fmt(r.msgsPerSec, 0),
      delta: `×${fmt(r.msgsPerSec / proxy.msgsPerSec, 2)}`, target: '', result: '',
    },
    { metric: `proxy, Redis store message → event p50 @${n} (ms)`, direct: fmt(d50, 2), proxy: fmt(r50, 2), delta: signed(r50 - d50, 2), target: '', result: '' },
    {
      metric: `proxy, Redis store CPU per message @${n} (own host) (µs)`, direct: '—', proxy: `${fmt(cpu, 1)}${cpuSplit(r)}`,
      delta: `vs memory store ${signed(cpu - cpuPerMessage(proxy), 1)}`, target: `≤ ${goal.cpuUsPerMessage}`, result: verdict(cpu <= goal.cpuUsPerMessage),
    },
    {
      metric: `proxy, Redis store − reference relay CPU per message @${n} (µs)`, direct: '—', proxy: signed(aboveRelay, 1), delta: '',
      target: RELAY_GAP_JUDGED_BY, result: '',
    },
    {
      // Relayed messages never touch Redis: only the proxy's lease refresh may fall in the window.
      metric: `Redis commands / redis-server CPU per message @${n}`, direct: '—',
      proxy: `${fmt(commandsPerMessage, 4)} / ${fmt(side.redisCpuUs / Math.max(1, r.messages), 2)} µs`,
      delta: `${side.redisCommands} in ${r.messages} msgs`, target: '', result: '',
    },
    { metric: `errors / lost, proxy Redis store @${n}`, direct: '—', proxy: `${r.errors} / ${r.lost}`, delta: '', target: '0 / 0', result: verdict(clean) },
  ];
}

export function memorySection(m: MemoryResult): Section {
  const kib = (v: number): string => `${fmt(v / 1024, 1)} MiB`;
  return {
    title: `Proxy memory, ${m.sessions} idle sessions (no handles) on ${m.connections} connections`,
    rows: [
      { metric: 'proxy RSS before → after (after full GC)', direct: '—', proxy: `${kib(m.rssBeforeKiB)} → ${kib(m.rssAfterKiB)}`, delta: '', target: '', result: '' },
      {
        metric: 'RSS per idle session (KiB)', direct: '—', proxy: fmt(m.kibPerSession, 2), delta: '',
        target: `≤ ${targets.rssKiBPerSession}`, result: verdict(m.kibPerSession <= targets.rssKiBPerSession && m.alive === m.sessions),
      },
      { metric: 'RSS per idle session, no forced GC (KiB)', direct: '—', proxy: fmt(m.kibPerSessionNoGc, 2), delta: '', target: '', result: '' },
      {
        metric: `sessions alive after measuring`, direct: '—', proxy: `${m.alive} / ${m.sessions}`, delta: '',
        target: 'all', result: verdict(m.alive === m.sessions),
      },
    ],
  };
}

export function clusterSection(r: ClusterResult): Section {
  const ratio = r.redisStore.msgsPerSec / r.memoryStore.msgsPerSec;
  const take = r.takeOver.latency.summary();
  const perMessage = r.redisCommands / Math.max(1, r.redisStore.messages);
  const n = r.memoryStore.sessions;
  const attach = { direct: r.latency.direct.attach.summary().p50, proxy: r.latency.proxy.attach.summary().p50 };
  const create = { direct: r.latency.direct.create.summary().p50, proxy: r.latency.proxy.create.summary().p50 };
  return {
    title: 'Proxies sharing Redis: what the shared store costs, and session take-over after a SIGKILL (columns: memory store | Redis store)',
    rows: [
      {
        metric: `msgs/s @${n}, memory | Redis store`, direct: fmt(r.memoryStore.msgsPerSec, 0), proxy: fmt(r.redisStore.msgsPerSec, 0),
        delta: `×${fmt(ratio, 2)}`, target: `ratio ≥ ${targets.redisThroughputRatio}`, result: verdict(ratio >= targets.redisThroughputRatio),
      },
      {
        metric: 'create p50 (ms), direct | Redis proxy', direct: fmt(create.direct, 3), proxy: fmt(create.proxy, 3),
        delta: signed(create.proxy - create.direct, 3), target: '', result: '',
      },
      {
        metric: 'attach p50 (ms), direct | Redis proxy', direct: fmt(attach.direct, 3), proxy: fmt(attach.proxy, 3),
        delta: signed(attach.proxy - attach.direct, 3), target: `added ≤ ${targets.addedP50Ms}`, result: verdict(attach.proxy - attach.direct <= targets.addedP50Ms),
      },
      {
        metric: `Redis commands per relayed message @${n}`, direct: '—', proxy: fmt(perMessage, 4),
        delta: `${r.redisCommands} in ${r.redisStore.messages} msgs`, target: '≈ 0 (lease refresh only)', result: verdict(perMessage < 0.001),
      },
      {
        metric: `Redis memory per idle session with 1 handle (${r.redisSessions}) (B)`, direct: '—', proxy: fmt(r.redisBytesPerSession, 0),
        delta: '', target: `≤ ${targets.redisBytesPerSession}`, result: verdict(r.redisBytesPerSession <= targets.redisBytesPerSession),
      },
      {
        metric: `take-over claim → success p50 / p99 (ms), ${r.takeOver.sessions} sessions`, direct: '—',
        proxy: `${fmt(take.p50, 2)} / ${fmt(take.p99, 2)}`, delta: `${r.takeOver.claimed}/${r.takeOver.sessions} claimed`,
        target: `p99 ≤ ${targets.takeOverP99Ms}, all`, result: verdict(take.p99 <= targets.takeOverP99Ms && r.takeOver.claimed === r.takeOver.sessions),
      },
    ],
  };
}

/**
 * The proxy on its defaults and the reference relay carrying the same load at the same moment
 * (bench/scenarios/paired.ts): the difference of their CPU per message, round by round.
 */
export function pairedSection(results: readonly PairedResult[], rounds: number, subject: 'proxy' | 'proxy, Redis store' = 'proxy'): Section {
  const rows: Row[] = [];
  for (const r of results) {
    const gap = mean(r.diffs);
    rows.push(
      {
        metric: `${subject} − reference relay CPU per message @${r.sessions}, same load at the same time (µs)`, direct: '—',
        proxy: `${signed(gap, 1)} (median ${signed(median(r.diffs), 1)}, ${signed(Math.min(...r.diffs), 1)} … ${signed(Math.max(...r.diffs), 1)})`,
        delta: '', target: `proxy ≤ relay + ${realTopologyTargets.aboveRelayUs}`, result: verdict(gap <= realTopologyTargets.aboveRelayUs),
      },
      {
        metric: `${subject} | reference relay CPU per message @${r.sessions} (µs)`, direct: '—',
        proxy: `${fmt(mean(r.a), 1)} | ${fmt(mean(r.b), 1)}`, delta: '', target: '', result: '',
      },
      {
        metric: `errors / lost, ${subject} paired rounds @${r.sessions}`, direct: '—', proxy: `${r.errors} / ${r.lost}`,
        delta: '', target: '0 / 0', result: verdict(r.errors === 0 && r.lost === 0),
      },
    );
  }
  const counts = results.map((r) => r.sessions).join(' and ');
  const name = subject === 'proxy' ? 'Proxy (defaults)' : 'Proxy (defaults) with a Redis store';
  return { title: `${name} and reference relay under the same load at the same time (Janus on its own host), ${counts} sessions each, ${rounds} rounds`, rows };
}

/** Cores used over the window: Janus + the proxy (when in the path) + the load generator, and the whole machine. */
function coresUsed(r: ThroughputResult): string {
  const perWindow = r.windowMs * 1000;
  const proxy = r.cpuUs.proxy ? ` + ${fmt((r.cpuUs.proxy.user + r.cpuUs.proxy.system) / perWindow, 2)}` : '';
  return `${fmt(r.cpuUs.janus / perWindow, 2)}${proxy} + ${fmt(r.cpuUs.generator / perWindow, 2)} of ${fmt(r.cpuUs.machine / perWindow, 2)}`;
}

/**
 * `--workers 2` against one proxy process (both Redis store, Janus on its own host): msgs/s, the
 * proxy's CPU per message over its process tree, and the cores each process used, which show what
 * bounds the throughput on this machine.
 */
export function workersSection(results: readonly WorkersResult[]): Section {
  const rows: Row[] = [];
  for (const { sessions: n, direct, oneProcess: one, twoWorkers: two } of results) {
    const both = (a: string, b: string): string => `${a} | ${b}`;
    rows.push(
      {
        metric: `msgs/s @${n}: one process | --workers 2`, direct: fmt(direct.msgsPerSec, 0),
        proxy: both(fmt(one.msgsPerSec, 0), fmt(two.msgsPerSec, 0)), delta: `×${fmt(two.msgsPerSec / one.msgsPerSec, 2)}`, target: '', result: '',
      },
      {
        metric: `proxy CPU per message @${n}, all processes (µs)`, direct: '—',
        proxy: both(`${fmt(cpuPerMessage(one), 1)}${cpuSplit(one)}`, `${fmt(cpuPerMessage(two), 1)}${cpuSplit(two)}`), delta: signed(cpuPerMessage(two) - cpuPerMessage(one), 1), target: '', result: '',
      },
      { metric: `cores used @${n}, one process: Janus + proxy + load generator of machine`, direct: coresUsed(direct), proxy: coresUsed(one), delta: '', target: '', result: '' },
      { metric: `cores used @${n}, --workers 2: Janus + proxy + load generator of machine`, direct: coresUsed(direct), proxy: coresUsed(two), delta: '', target: '', result: '' },
      {
        metric: `errors / lost @${n}: one process | --workers 2`, direct: `${direct.errors} / ${direct.lost}`,
        proxy: both(`${one.errors} / ${one.lost}`, `${two.errors} / ${two.lost}`), delta: '', target: '0 / 0',
        result: verdict(one.errors + one.lost + two.errors + two.lost === 0),
      },
    );
  }
  const counts = results.map((r) => r.sessions).join(' and ');
  return { title: `janus-proxy --workers 2 and one proxy process, both with a Redis store (Janus on its own host), ${counts} sessions, ${config.throughput.rounds} rounds alternating`, rows };
}
