/**
 * `npm run bench:videoroom`: the cluster-aware VideoRoom's targets, measured on this machine with
 * real Janus servers on a test LAN and werift peers (not a test; results go to
 * bench/videoroom-results.md):
 *   1. join-to-first-RTP of a subscriber whose publisher is on another Janus (a remote publisher)
 *      vs one whose publisher is on its own Janus — target: within 500 ms;
 *   2. a room of 50 publishers over 5 Janus set up (every publisher up and mirrored on every Janus)
 *      — target: within 10 s of signalling.
 * Env: BENCH_QUICK=1 for a short run.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { RTCPeerConnection, MediaStreamTrack, useOPUS, useVP8 } from 'werift';
import '../src/load/werift-peer.js'; // patches werift's STUN fallback (no traffic off the box)
import { startJanusCluster, type JanusInstance } from '../test/support/janus-fixture.js';
import { JanusTestClient } from '../test/support/janus-client.js';
import { startTestProxy, type TestProxy } from '../test/support/proxy-fixture.js';
import { runCleanupsSync, pollUntil } from '../test/support/processes.js';
import { publishWerift, subscribeWerift, videoRoomHandle, type Publisher } from '../test/support/videoroom-direct.js';
import { JanusInspector, originOf } from '../test/support/videoroom-inspect.js';

const QUICK = process.env.BENCH_QUICK === '1';
const RESULTS_PATH = join(dirname(fileURLToPath(import.meta.url)), 'videoroom-results.md');

function progress(message: string): void {
  process.stderr.write(`[bench:videoroom] ${message}\n`);
}

function lanAddress(janus: JanusInstance[]): string {
  const address = janus[0]?.lan?.rootAddress;
  if (address === undefined) throw new Error('the Janus servers are not on a test LAN');
  return address;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Join-to-first-RTP of subscribers of a local and of a remote publisher, alternating. */
async function firstRtp(janus: JanusInstance[], proxy: TestProxy, runs: number): Promise<{ local: number[]; remote: number[] }> {
  const ice = lanAddress(janus);
  const inspectors = await Promise.all(janus.map((j) => JanusInspector.open(j)));
  const clients: JanusTestClient[] = [];
  const connect = async (): Promise<JanusTestClient> => {
    const c = await JanusTestClient.connect(proxy.url);
    clients.push(c);
    return c;
  };
  try {
    const room = 60_001;
    await (await videoRoomHandle(await connect())).sync({ request: 'create', room, publishers: 10, publishers_per_backend: 1 });
    const source = await publishWerift(await connect(), room, { iceAddress: ice, display: 'source' });
    const other = await publishWerift(await connect(), room, { iceAddress: ice, display: 'other' });
    const origins = await Promise.all([originOf(inspectors, room, source.id), originOf(inspectors, room, other.id)]);
    if (origins[0] === origins[1]) throw new Error('both publishers on one Janus');
    const times = { local: [] as number[], remote: [] as number[] };
    for (let i = 0; i < runs; i++) {
      for (const kind of i % 2 === 0 ? (['local', 'remote'] as const) : (['remote', 'local'] as const)) {
        // The subscriber goes to the Janus of the publisher whose private_id it gives.
        const owner: Publisher = kind === 'local' ? source : other;
        const started = performance.now();
        const sub = await subscribeWerift(owner.handle.client, room, [{ feed: source.id }], { iceAddress: ice, privateId: owner.privateId });
        await sub.peer.waitForRtp(1, 15_000);
        times[kind].push(performance.now() - started);
        await sub.handle.async({ request: 'leave' });
        await sub.peer.close();
      }
    }
    await Promise.all([source.peer.close(), other.peer.close()]);
    return times;
  } finally {
    await Promise.all([...clients, ...inspectors].map((c) => c.close()));
  }
}

/** A publisher that sends no media: the set-up is what is measured. */
async function quietPublisher(client: JanusTestClient, room: number, ice: string, index: number): Promise<RTCPeerConnection> {
  const h = await videoRoomHandle(client);
  await h.async({ request: 'join', ptype: 'publisher', room, display: `p${String(index)}` });
  const pc = new RTCPeerConnection({
    iceServers: [], iceUseIpv6: false, bundlePolicy: 'max-bundle', codecs: { audio: [useOPUS()], video: [useVP8()] },
    iceInterfaceAddresses: { udp4: ice },
  });
  for (const kind of ['audio', 'video'] as const) pc.addTransceiver(new MediaStreamTrack({ kind }), { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const sdp = (pc.localDescription?.sdp ?? '').replace(/a=setup:actpass/g, 'a=setup:active');
  const since = client.mark();
  const { jsep } = await h.async({ request: 'publish' }, { type: 'offer', sdp });
  if (!jsep) throw new Error('no answer to the publish');
  await pc.setRemoteDescription({ type: 'answer', sdp: jsep.sdp });
  await client.waitFor((m) => m.janus === 'webrtcup' && m.sender === h.handleId, 30_000, since);
  return pc;
}

/** Wall time until `count` publishers are up and every Janus holds all of them (own or mirrored). */
async function bigRoom(janus: JanusInstance[], proxy: TestProxy, count: number, concurrency: number): Promise<number> {
  const ice = lanAddress(janus);
  const room = 60_002;
  const inspectors = await Promise.all(janus.map((j) => JanusInspector.open(j)));
  const clients = await Promise.all(Array.from({ length: concurrency }, () => JanusTestClient.connect(proxy.url)));
  const pcs: RTCPeerConnection[] = [];
  try {
    const first = clients[0];
    if (!first) throw new Error('no client');
    await (await videoRoomHandle(first)).sync({ request: 'create', room, publishers: count, publishers_per_backend: Math.ceil(count / janus.length) });
    const started = performance.now();
    let next = 0;
    await Promise.all(clients.map(async (client) => {
      for (let i = next++; i < count; i = next++) pcs.push(await quietPublisher(client, room, ice, i));
    }));
    await pollUntil('every Janus holding every publisher', async () => {
      const views = await Promise.all(inspectors.map((i) => i.room(room)));
      return views.every((v) => v !== undefined && v.local.length + v.remote.length === count) ? true : undefined;
    }, 60_000, 50);
    return performance.now() - started;
  } finally {
    await Promise.all(pcs.map((pc) => pc.close()));
    await Promise.all([...clients, ...inspectors].map((c) => c.close()));
  }
}

async function main(): Promise<void> {
  const runs = QUICK ? 4 : 20;
  const publishers = QUICK ? 15 : 50;
  progress('starting 5 Janus servers on a test LAN and the proxy');
  const janus = await startJanusCluster(5, { lan: true, plugins: ['videoroom'], videoroom: {} });
  const proxy = await startTestProxy(janus);
  try {
    progress(`join-to-first-RTP, ${String(runs)} runs each`);
    const rtp = await firstRtp(janus, proxy, runs);
    progress(`${String(publishers)} publishers over ${String(janus.length)} Janus`);
    const setup = await bigRoom(janus, proxy, publishers, 10);
    const ms = (v: number): string => `${v.toFixed(0)} ms`;
    const lines = [
      '# VideoRoom benchmark (cluster-aware VideoRoom, real Janus 1.1.2 on a test LAN, werift peers)',
      '',
      `Machine: ${String((await import('node:os')).cpus().length)} CPUs (shared); ${new Date().toISOString()}${QUICK ? ' (quick run)' : ''}.`,
      '',
      '| measure | median | p90 | target |',
      '| --- | --- | --- | --- |',
      `| join → first RTP, subscriber of a publisher on its own Janus (${String(runs)} runs) | ${ms(percentile(rtp.local, 50))} | ${ms(percentile(rtp.local, 90))} | |`,
      `| join → first RTP, subscriber of a publisher on another Janus (remote publisher) | ${ms(percentile(rtp.remote, 50))} | ${ms(percentile(rtp.remote, 90))} | within 500 ms of local |`,
      `| remote − local (medians) | ${ms(percentile(rtp.remote, 50) - percentile(rtp.local, 50))} | | ≤ 500 ms |`,
      `| ${String(publishers)} publishers over ${String(janus.length)} Janus: all up and mirrored everywhere (10 at a time) | ${ms(setup)} | | ≤ 10 s |`,
      '',
    ];
    const text = lines.join('\n');
    process.stdout.write(`${text}\n`);
    if (!QUICK) writeFileSync(RESULTS_PATH, text);
  } finally {
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
  }
}

main().catch((err: unknown) => {
  runCleanupsSync();
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
