// Reproducer for a Janus 1.1.2 VideoRoom crash: the remote publisher thread puts its publisher into
// room->participants without the room mutex, after add_remote_publisher has answered. Whatever reads
// or changes that table meanwhile (listparticipants, a join, another remote publisher's thread) races
// with it; a fresh room's table is also widened from 32-bit to pointer-sized slots by that first
// insert, and a reader that meets it half-way takes half a pointer for a publisher (SIGSEGV).
// Each round uses a fresh room:
//   burst   add_remote_publisher with `burst` listparticipants sent at the same moment
//   poll    add_remote_publisher, then listparticipants every 5 ms from its answer until listed
//           (what the proxy's untilListed did), after `settle` ms
//   until   add_remote_publisher, then the proxy's own untilListed (src/plugins/videoroom/mirrors.ts)
//   adds    `copies` add_remote_publisher at once, nothing else (the proxy's mirrorAllOnto did that)
//   leak    add `copies`, destroy the room (--remove 1: remove the copies first), count the vremote threads left after 2.5 s
// Usage: npx tsx scripts/repro-remote-publisher-race.ts MODE [rounds=300] [--burst N] [--settle MS] [--copies N] [--remove 1]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startJanus } from '../test/support/janus-fixture.js';
import { JanusTestClient, type JanusMessage } from '../test/support/janus-client.js';
import { untilListed } from '../src/plugins/videoroom/mirrors.js';
import type { JsonObject } from '../src/protocol/messages.js';

const mode = process.argv[2] ?? 'burst';
const rounds = Number(process.argv[3] ?? 300);
const opt = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const burst = opt('burst', 20);
const settle = opt('settle', 0);
const copies = opt('copies', 1);

type Data = Record<string, unknown>;
const data = (m: JanusMessage): Data => ((m.plugindata as { data?: Data } | undefined)?.data) ?? {};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const janus = await startJanus({ netns: false, plugins: ['videoroom'], videoroom: {} });
console.log(`mode ${mode}, janus pid ${String(janus.pid)} dir ${janus.dir}`);
const clients = await Promise.all(Array.from({ length: Math.max(copies, 1) + 1 }, () => JanusTestClient.connect(janus.wsUrl)));
type H = { c: JanusTestClient; at: { session_id: number; handle_id: number } };
const handles: H[] = await Promise.all(clients.map(async (c) => {
  const session = await c.createSession();
  return { c, at: { session_id: session, handle_id: await c.attach(session, 'janus.plugin.videoroom') } };
}));
const handle = (i: number): H => {
  const h = handles[i];
  if (!h) throw new Error(`no handle ${String(i)}`);
  return h;
};
const lister = handle(handles.length - 1);
const req = (h: H, body: Data): Promise<JanusMessage> => h.c.request({ janus: 'message', ...h.at, body }, { timeoutMs: 5000 });
const add = (h: H, room: number, id: number): Promise<JanusMessage> => req(h, {
  request: 'add_remote_publisher', room, id, iface: '127.0.0.1', display: `copy-${String(id)}`,
  streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'opus' }, { type: 'video', mindex: 1, mid: '1', codec: 'vp8' }],
});
const listed = async (room: number, id: number): Promise<boolean> => {
  const ps = data(await req(lister, { request: 'listparticipants', room })).participants;
  return Array.isArray(ps) && ps.some((p) => (p as Data).id === id);
};
const vremoteThreads = (): number => readdirSync(`/proc/${String(janus.pid)}/task`)
  .filter((t) => { try { return readFileSync(`/proc/${String(janus.pid)}/task/${t}/comm`, 'utf8').startsWith('vremote'); } catch { return false; } }).length;

let outcome = 'survived';
let notYetListed = 0;
let polls = 0;
for (let round = 1; round <= rounds; round++) {
  const room = 100_000 + round;
  try {
    await req(handle(0), { request: 'create', room, publishers: 50 });
    if (mode === 'burst') {
      const work: Promise<unknown>[] = [add(handle(0), room, 1)];
      for (let i = 0; i < burst; i++) work.push(req(lister, { request: 'listparticipants', room }));
      await Promise.all(work);
    } else if (mode === 'poll') {
      await add(handle(0), room, 1);
      if (settle > 0) await sleep(settle);
      let first = true;
      for (;;) {
        polls++;
        const ok = await listed(room, 1);
        if (!ok && first) notYetListed++;
        first = false;
        if (ok) break;
        await sleep(5);
      }
    } else if (mode === 'until') {
      await add(handle(0), room, 1);
      await untilListed(async (body: JsonObject) => { polls++; return data(await req(lister, body)); }, room, 1);
      if (!(await listed(room, 1))) notYetListed++;
    } else if (mode === 'adds') {
      await Promise.all(Array.from({ length: copies }, (_, i) => add(handle(i), room, i + 1)));
    } else if (mode === 'leak') {
      const before = vremoteThreads();
      await Promise.all(Array.from({ length: copies }, (_, i) => add(handle(i), room, i + 1)));
      await sleep(200);
      const during = vremoteThreads();
      // --remove 1: each copy removed before the room is destroyed (the copies' threads then end)
      if (opt('remove', 0) === 1) for (let i = 0; i < copies; i++) await req(handle(0), { request: 'remove_remote_publisher', room, id: i + 1 });
      await req(handle(0), { request: 'destroy', room });
      await sleep(2500);
      console.log(`round ${String(round)}: vremote threads before ${String(before)}, with ${String(copies)} copies ${String(during)}, 2.5 s after destroy ${String(vremoteThreads())}`);
      continue;
    }
    await req(handle(0), { request: 'destroy', room });
  } catch (err) {
    outcome = `crashed in round ${String(round)} (${(err as Error).message})`;
    break;
  }
}
const out = readFileSync(join(janus.dir, 'janus.out'), 'utf8');
const criticals = out.split('\n').filter((l) => /CRITICAL|WARNING \*\*/.test(l));
console.log(`outcome: ${outcome}`);
if (mode === 'poll' || mode === 'until') console.log(`first listparticipants after the answer missed the copy: ${String(notYetListed)}; listparticipants sent: ${String(polls)}`);
console.log(`GLib criticals in janus.out: ${String(criticals.length)}`);
for (const l of criticals.slice(0, 3)) console.log(`  ${l}`);
await Promise.all(clients.map((x) => x.close().catch(() => undefined)));
await janus.stop();
