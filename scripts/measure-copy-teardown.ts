// Measures what a VideoRoom copy (remote publisher) leaves behind in Janus 1.1.2 when it is taken
// down, as the proxy makes and drops copies: two Janus on a test LAN, a werift publisher on A, its
// copy on B (`add_remote_publisher` on B, `publish_remotely` on A: media flows), then per round
//   destroy   the room is destroyed on both Janus with the copy still in it (what destroyRoom does)
//   remove    `unpublish_remotely` on A and `remove_remote_publisher` on B first (what removeMirror
//             does when a publisher unpublishes or leaves), then destroy
//   kick      as remove, with `kick` on B instead of `remove_remote_publisher` (a kicked publisher's copies)
//   nomedia   as remove, but without `publish_remotely`: the copy never received RTP
// and prints each Janus's threads (`vremote` ones: copies' threads) and UDP sockets (with ports)
// before, with the copy, after the take-down and after the destroy. The publisher's session is closed
// at the end of each round, so A returns to where it started.
// Usage (as root, for the namespaces): npx tsx scripts/measure-copy-teardown.ts [destroy|remove|kick|nomedia] [rounds=2]
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { startJanusCluster, type JanusInstance } from '../test/support/janus-fixture.js';
import { JanusTestClient } from '../test/support/janus-client.js';
import { publishWerift, videoRoomHandle, type VideoRoomHandle } from '../test/support/videoroom-direct.js';

const variant = process.argv[2] ?? 'destroy';
const rounds = Number(process.argv[3] ?? 2);
const SECRET = 'measure';
const SETTLE_MS = 1500;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function comm(pid: number, task: string): string {
  try {
    return readFileSync(`/proc/${String(pid)}/task/${task}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Threads, copies' threads and UDP sockets (local ports) of a Janus process, read in its own namespace. */
function usage(j: JanusInstance): string {
  const pid = String(j.pid);
  const tasks = readdirSync(`/proc/${pid}/task`);
  const inodes = new Set(readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      return m ? [m[1]] : [];
    } catch {
      return [];
    }
  }));
  const ports: number[] = [];
  for (const table of ['udp', 'udp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const port = cols[1]?.split(':')[1];
      if (cols.length > 9 && inodes.has(cols[9]) && port !== undefined) ports.push(parseInt(port, 16));
    }
  }
  const vremote = tasks.filter((t) => comm(j.pid, t).startsWith('vremote')).length;
  return `threads ${String(tasks.length)} (vremote ${String(vremote)}), udp ${String(ports.length)} [${ports.join(',')}]`;
}

const janus = await startJanusCluster(2, { lan: true, plugins: ['videoroom'], videoroom: {} });
const [a, b] = janus as [JanusInstance, JanusInstance];
const iceAddress = a.lan?.rootAddress ?? '';
const show = (stage: string): void => { console.log(`${stage}\n  A: ${usage(a)}\n  B: ${usage(b)}`); };
const clients: JanusTestClient[] = [];
try {
  const onA: VideoRoomHandle = await videoRoomHandle(await JanusTestClient.connect(a.wsUrl));
  const onB: VideoRoomHandle = await videoRoomHandle(await JanusTestClient.connect(b.wsUrl));
  clients.push(onA.client, onB.client);
  console.log(`variant ${variant}, ${String(rounds)} rounds`);
  for (let round = 1; round <= rounds; round++) {
    const room = 7000 + round;
    show(`round ${String(round)}: before`);
    for (const h of [onA, onB]) await h.sync({ request: 'create', room, secret: SECRET, publishers: 10 });
    const publisherClient = await JanusTestClient.connect(a.wsUrl);
    const pub = await publishWerift(publisherClient, room, { iceAddress, display: 'measured' });
    const streams = pub.streams.map((s, mindex) => ({ type: s.type, mindex, mid: String(mindex), codec: s.codec }));
    const added = await onB.sync({ request: 'add_remote_publisher', room, secret: SECRET, id: pub.id, iface: b.host, streams, display: 'measured' });
    await sleep(100);
    if (variant !== 'nomedia') {
      await onA.sync({ request: 'publish_remotely', room, secret: SECRET, publisher_id: pub.id, remote_id: 'measure', host: b.host, port: added.port, rtcp_port: added.rtcp_port });
    }
    await sleep(SETTLE_MS);
    show(`round ${String(round)}: with the copy`);
    if (variant !== 'destroy') {
      if (variant !== 'nomedia') await onA.sync({ request: 'unpublish_remotely', room, secret: SECRET, publisher_id: pub.id, remote_id: 'measure' });
      await onB.sync(variant === 'kick' ? { request: 'kick', room, secret: SECRET, id: pub.id } : { request: 'remove_remote_publisher', room, secret: SECRET, id: pub.id });
      await sleep(SETTLE_MS);
      show(`round ${String(round)}: copy removed`);
    }
    for (const h of [onA, onB]) await h.sync({ request: 'destroy', room, secret: SECRET });
    await pub.peer.close();
    await publisherClient.close();
    await sleep(SETTLE_MS);
    show(`round ${String(round)}: room destroyed, publisher's session closed`);
  }
} finally {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all(janus.map((j) => j.stop()));
}
