// Thirty werift publishers (twelve with video) join one VideoRoom at the same moment through three
// proxy processes (real Redis) in front of three LAN Janus, ten per Janus. Afterwards every Janus is
// asked directly: the room exists once on each, holds each publisher either as its own participant
// (on exactly one Janus) or as one remote publisher (on every other Janus), and each origin remotizes
// its publishers once to each other Janus. Every proxy lists the same participants, a werift
// subscriber on each proxy gets RTP from every feed in one PeerConnection, and the store lists each
// backend once. The time from the last join to a complete layout is reported (issue target: 10 s).
// Every layout change was made by the room's owner (the proxy that created it): the proxies'
// metrics show the other two asked it over the bus and changed nothing themselves.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { JanusInstance } from '../support/janus-fixture.js';
import { openRedis } from '../../src/store/redis/connection.js';
import { RedisRoomStore } from '../../src/store/redis/room-store.js';
import type { RedisInstance } from '../support/redis-fixture.js';
import { startRoomCluster, type RoomCluster } from '../support/room-cluster.js';
import type { ProxyProcess } from '../support/proxy-process.js';
import type { TestClients } from '../support/shared-store-proxies.js';
import { publishWerift, subscribeWerift, videoRoomHandle, type Data, type Publisher } from '../support/videoroom-direct.js';
import { JanusInspector } from '../support/videoroom-inspect.js';
import { pollUntil } from '../support/processes.js';

const ROOM = 7373;
const PUBLISHERS = 30;
// The first twelve send video too (the 12-publisher media target), the rest audio only.
const VIDEO_PUBLISHERS = 12;
const TIMEOUT_MS = 30_000;

/** The proxy's count of VideoRoom layout changes of one kind, run here or asked of the room's owner. */
async function layoutChanges(proxy: ProxyProcess, op: string, ran: 'here' | 'owner'): Promise<number> {
  const text = await (await fetch(`${proxy.adminUrl ?? ''}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`janus_cloud_videoroom_layout_changes_total{op="${op}",ran="${ran}"}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('thirty publishers join one room at once through three proxies', { timeout: 240_000 }, () => {
  let cluster: RoomCluster | undefined;
  let redis: RedisInstance;
  let janus: JanusInstance[] = [];
  let proxies: ProxyProcess[] = [];
  let inspectors: JanusInspector[] = [];
  let clients: TestClients;
  let peers: { close(): Promise<void> }[] = [];

  before(async () => {
    cluster = await startRoomCluster(3, { proxyConfig: { admin_api: { enabled: true, metrics_public: true } } });
    ({ redis, janus, proxies, inspectors, clients, peers } = cluster);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('gives no duplicate backend rooms and mirrors every publisher exactly once on every other Janus', async (t) => {
    const ctl = await videoRoomHandle(await clients.connect(proxies[0]!.url));
    assert.equal((await ctl.sync({ request: 'create', room: ROOM, publishers: 40, publishers_per_backend: 10 })).videoroom, 'created');
    const ice = janus[0]!.lan!.rootAddress;
    const pubs: Publisher[] = await Promise.all(Array.from({ length: PUBLISHERS }, async (_, i) => {
      const client = await clients.connect(proxies[i % proxies.length]!.url);
      const pub = await publishWerift(client, ROOM, { iceAddress: ice, display: `p${String(i)}`, video: i < VIDEO_PUBLISHERS });
      peers.push(pub.peer);
      return pub;
    }));
    const lastJoin = performance.now();
    const ids = pubs.map((p) => p.id).sort();

    // Every Janus holds all of them: its own plus one remote publisher for each of the others.
    const views = await Promise.all(inspectors.map((inspector, i) => pollUntil(`Janus ${String(i)} lists every publisher`, async () => {
      const view = await inspector.room(ROOM);
      return view && view.local.length + view.remote.length === PUBLISHERS ? view : undefined;
    }, TIMEOUT_MS))).catch(async (err: unknown) => {
      const seen = await Promise.all(inspectors.map((i) => i.room(ROOM)));
      const logs = proxies.map((p) => p.logTail(40)).join('\n---\n');
      throw new Error(`${(err as Error).message}: ${JSON.stringify(seen)}\n${logs}`);
    });
    t.diagnostic(`layout complete on every Janus ${(performance.now() - lastJoin).toFixed(0)} ms after the last join`);
    const origins = new Map<unknown, number>();
    for (const [i, view] of views.entries()) {
      for (const p of view.local) {
        assert.ok(!origins.has(p.id), `${String(p.id)} is local on two Janus`);
        origins.set(p.id, i);
      }
      const all = [...view.local, ...view.remote].map((p) => p.id).sort();
      assert.deepEqual(all, ids, `Janus ${String(i)} lists each publisher once`);
    }
    assert.equal(origins.size, PUBLISHERS);
    // Each origin sends each of its publishers once to each other Janus.
    for (const [id, origin] of origins) {
      const expected = janus.filter((_, j) => j !== origin).map((j) => `jc-${j.name}`).sort();
      const remotes = await pollUntil(`${String(id)} remotized twice`, async () => {
        const list = await inspectors[origin]!.remotes(ROOM, id as number);
        return Array.isArray(list) && list.length >= expected.length ? list : undefined;
      }, TIMEOUT_MS);
      assert.deepEqual(remotes, expected);
    }
    // Every proxy lists the same publishers, and a subscriber on each proxy gets RTP from every feed.
    const lists = await Promise.all(proxies.map(async (proxy) => {
      const data = await (await videoRoomHandle(await clients.connect(proxy.url))).sync({ request: 'listparticipants', room: ROOM });
      return (data.participants as Data[]).map((p) => p.id).sort();
    }));
    for (const list of lists) assert.deepEqual(list, ids);
    for (const proxy of proxies) {
      const sub = await subscribeWerift(await clients.connect(proxy.url), ROOM, pubs.map((p) => ({ feed: p.id })), { iceAddress: ice });
      peers.push(sub.peer);
      const mids = (sub.attached.streams as Data[]).map((st) => String(st.mid));
      assert.equal(mids.length, PUBLISHERS + VIDEO_PUBLISHERS);
      await pollUntil('RTP from every feed', () => Promise.resolve(mids.every((mid) => (sub.peer.rtpReceived.byMid[mid] ?? 0) >= 5) ? true : undefined), TIMEOUT_MS);
    }
    t.diagnostic(`every subscriber receiving every feed ${(performance.now() - lastJoin).toFixed(0)} ms after the last join`);
    // The owner (proxy 0, which created the room) placed all thirty and opened every backend room; the others asked it.
    assert.equal(await layoutChanges(proxies[0]!, 'place', 'here'), PUBLISHERS);
    assert.equal(await layoutChanges(proxies[0]!, 'place', 'owner'), 0);
    for (const proxy of proxies.slice(1)) {
      assert.equal(await layoutChanges(proxy, 'place', 'owner'), PUBLISHERS / proxies.length);
      for (const op of ['place', 'open', 'published']) assert.equal(await layoutChanges(proxy, op, 'here'), 0, `${op} never runs on a proxy that does not own the room`);
    }
    assert.ok(await layoutChanges(proxies[0]!, 'published', 'here') >= PUBLISHERS);
    // The store lists each backend once.
    const connection = openRedis({ url: redis.url, keyPrefix: 'janus-cloud:' });
    try {
      const stored = await new RedisRoomStore(connection).get(ROOM);
      assert.deepEqual([...(stored?.backends ?? [])].sort(), janus.map((j) => j.name).sort());
    } finally {
      await connection.close();
    }
  });
});
