// A proxy dies in the middle of a VideoRoom served by three proxy processes (real Redis) over two
// real Janus on the test LAN. Its publisher who reconnects to another proxy and claims keeps her
// place: the same feed id, her media to a subscriber on a third proxy never stops (past Janus's own
// reclaim window), her handle answers. Its publisher who never comes back is removed everywhere once
// his reclaim window has passed: from both Janus (his origin and his mirror), from every proxy's
// `listparticipants`, and the others are told. The room goes on: a publisher joining afterwards is
// placed and mirrored once on every other Janus, and reaches the subscriber.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomCluster, type RoomCluster } from '../support/room-cluster.js';
import { publishWerift, subscribeWerift, videoRoomHandle, type Data, type Publisher } from '../support/videoroom-direct.js';
import { originOf } from '../support/videoroom-inspect.js';
import { pollUntil } from '../support/processes.js';
import { startProxyProcess } from '../support/proxy-process.js';
import { sharedStore } from '../support/shared-store-proxies.js';
import { BACKEND_ROOM_SECRET } from '../support/room-cluster.js';
import { openRedis } from '../../src/store/redis/connection.js';
import { RedisRoomStore } from '../../src/store/redis/room-store.js';

const ROOM = 6464;
const ROOM_B = 6465;
const JOINS_PER_PROXY = 3;
const JANUS_RECLAIM_S = 3;
const PROXY_RECLAIM_S = 4;
const TIMEOUT_MS = 20_000;

describe('a proxy dies mid-room: its participants who claim stay, the others are removed everywhere', { timeout: 180_000 }, () => {
  let cluster: RoomCluster;

  before(async () => {
    cluster = await startRoomCluster(2, {
      proxies: 3, janusReclaimS: JANUS_RECLAIM_S,
      proxyConfig: { general: { reclaim_session_timeout: PROXY_RECLAIM_S }, store: { proxy_ttl_s: 1 } },
    });
  });
  after(async () => { await cluster.stop(); });

  async function publish(proxy: number | string, display: string, room = ROOM): Promise<Publisher> {
    const url = typeof proxy === 'string' ? proxy : cluster.proxies[proxy]!.url;
    const pub = await publishWerift(await cluster.clients.connect(url), room, { iceAddress: cluster.janus[0]!.lan!.rootAddress, display, video: room === ROOM });
    cluster.peers.push(pub.peer);
    return pub;
  }

  /** Every Janus lists exactly `ids` (local or mirrored, each once). */
  async function everyJanusLists(ids: readonly unknown[], what: string, room = ROOM): Promise<void> {
    const want = ids.map(String).sort();
    await Promise.all(cluster.inspectors.map((inspector, i) => pollUntil(`Janus ${String(i)} lists ${what}`, async () => {
      const view = await inspector.room(room);
      const all = view ? [...view.local, ...view.remote].map((p) => String(p.id)).sort() : [];
      return JSON.stringify(all) === JSON.stringify(want) ? true : undefined;
    }, TIMEOUT_MS)));
  }

  async function listedBy(proxy: number): Promise<string[]> {
    const data = await (await videoRoomHandle(await cluster.clients.connect(cluster.proxies[proxy]!.url))).sync({ request: 'listparticipants', room: ROOM });
    return (data.participants as Data[]).map((p) => String(p.id)).sort();
  }

  it('SIGKILL of a proxy: the claimed publisher keeps her feed and media, the abandoned one leaves every Janus and proxy', async () => {
    const { proxies, inspectors, clients } = cluster;
    const ice = cluster.janus[0]!.lan!.rootAddress;
    const ctl = await videoRoomHandle(await clients.connect(proxies[0]!.url));
    assert.equal((await ctl.sync({ request: 'create', room: ROOM, publishers: 10, publishers_per_backend: 2 })).videoroom, 'created');
    const alice = await publish(0, 'alice');
    const bob = await publish(2, 'bob');
    const dave = await publish(2, 'dave');
    await everyJanusLists([alice.id, bob.id, dave.id], 'the three publishers');
    const origins = await Promise.all([alice, bob, dave].map((p) => originOf(inspectors, ROOM, p.id)));
    assert.equal(new Set(origins).size, 2, `the room spans both Janus: ${JSON.stringify(origins)}`);

    // A subscriber on proxy b takes every feed.
    const sub = await subscribeWerift(await clients.connect(proxies[1]!.url), ROOM, [alice, bob, dave].map((p) => ({ feed: p.id })), { iceAddress: ice });
    cluster.peers.push(sub.peer);
    const midOf = new Map((sub.attached.streams as Data[]).map((s) => [`${String(s.feed_id)}/${String(s.type)}`, String(s.mid)]));
    const bobAudio = midOf.get(`${String(bob.id)}/audio`)!;
    await pollUntil('RTP of every feed', () => (sub.peer.rtpReceived.audio > 50 && (sub.peer.rtpReceived.byMid[bobAudio] ?? 0) > 10 ? true : undefined), TIMEOUT_MS);
    const aliceMark = alice.handle.client.mark();

    // Proxy c, holding bob's and dave's sessions, dies. Bob reconnects to proxy a and claims; dave never comes back.
    await proxies[2]!.kill('SIGKILL');
    const killedAt = performance.now();
    const bobClient = await clients.connect(proxies[0]!.url);
    const claimed = await bobClient.request({ janus: 'claim', session_id: bob.handle.sessionId });
    assert.equal(claimed.janus, 'success', JSON.stringify(claimed));
    const configured = await bobClient.requestWithEvent({ janus: 'message', ...bob.handle.at, body: { request: 'configure', bitrate: 200000 } });
    assert.equal((configured.event.plugindata as { data: Data }).data.configured, 'ok', JSON.stringify(configured.event));

    // Dave is removed everywhere once his reclaim window has passed; alice is told.
    await alice.handle.waitEvent((d) => d.unpublished === dave.id || d.leaving === dave.id, TIMEOUT_MS + PROXY_RECLAIM_S * 1000, aliceMark);
    await everyJanusLists([alice.id, bob.id], 'alice and bob only');
    for (const proxy of [0, 1]) {
      await pollUntil(`proxy ${String(proxy)} lists alice and bob only`, async () => {
        const listed = await listedBy(proxy);
        return JSON.stringify(listed) === JSON.stringify([alice.id, bob.id].map(String).sort()) ? true : undefined;
      }, TIMEOUT_MS);
    }

    // Bob's media never stopped: still arriving after Janus's reclaim window, on the same PeerConnections.
    await new Promise<void>((resolve) => { setTimeout(resolve, Math.max(0, JANUS_RECLAIM_S * 1000 + 1000 - (performance.now() - killedAt))); });
    const bobBefore = sub.peer.rtpReceived.byMid[bobAudio] ?? 0;
    await pollUntil('bob\'s RTP after the take-over', () => ((sub.peer.rtpReceived.byMid[bobAudio] ?? 0) > bobBefore + 20 ? true : undefined), TIMEOUT_MS);
    assert.equal(bob.peer.pc.connectionState, 'connected');
    assert.equal(sub.peer.pc.connectionState, 'connected');

    // The room goes on: erin joins through proxy b, is mirrored once on every other Janus, and a
    // subscriber through proxy a gets her media with bob's.
    const erin = await publish(1, 'erin');
    await everyJanusLists([alice.id, bob.id, erin.id], 'alice, bob and erin');
    const late = await subscribeWerift(await clients.connect(proxies[0]!.url), ROOM, [bob, erin].map((p) => ({ feed: p.id })), { iceAddress: ice });
    cluster.peers.push(late.peer);
    const lateMids = (late.attached.streams as Data[]).map((s) => String(s.mid));
    assert.equal(lateMids.length, 4);
    await pollUntil('RTP of bob and erin at the late subscriber', () => (lateMids.every((mid) => (late.peer.rtpReceived.byMid[mid] ?? 0) >= 5) ? true : undefined), TIMEOUT_MS);
  });

  it('SIGKILL of the room\'s owner proxy during joins: every join completes elsewhere, the room moves to a survivor, the layout stays consistent', async () => {
    const { proxies, inspectors, clients, janus, redis } = cluster;
    const doomed = await startProxyProcess(janus, {
      store: sharedStore(redis, { proxy_ttl_s: 1 }), general: { server_name: 'proxy-doomed', reclaim_session_timeout: PROXY_RECLAIM_S },
      videoroom: { backend_room_secret: BACKEND_ROOM_SECRET },
    });
    const redisClient = openRedis({ url: redis.url, keyPrefix: 'janus-cloud:' });
    const roomKey = redisClient.key('vroom', String(ROOM_B));
    const owner = async (): Promise<string> => JSON.parse(await redisClient.client.hget(roomKey, 'owner') ?? 'null') as string;
    try {
      // The room is made through the doomed proxy: it owns the room and places every publisher.
      const ctl = await videoRoomHandle(await clients.connect(doomed.url));
      assert.equal((await ctl.sync({ request: 'create', room: ROOM_B, publishers: 20, publishers_per_backend: 2 })).videoroom, 'created');
      assert.match(await owner(), /^proxy-doomed-/);
      // Joins through proxy a and through the doomed proxy at once; the owner is killed once the first is placed.
      const participantsKey = redisClient.key('vroom', String(ROOM_B), 'participants');
      let placedAtKill = -1;
      const killWhenPlacing = (async () => {
        const giveUp = Date.now() + TIMEOUT_MS;
        while (Date.now() < giveUp) {
          const placed = await redisClient.client.hlen(participantsKey);
          if (placed > 0) {
            await doomed.kill('SIGKILL');
            placedAtKill = placed;
            return;
          }
        }
      })();
      const joins = Array.from({ length: JOINS_PER_PROXY * 2 }, (_, i) => {
        const doomedJoin = i % 2 === 1;
        // A join cut off with its proxy is done again through proxy b, as a client would.
        return publish(doomedJoin ? doomed.url : 0, `p${String(i)}`, ROOM_B)
          .catch(() => (doomedJoin ? publish(1, `p${String(i)}-again`, ROOM_B) : Promise.reject(new Error(`join ${String(i)} through proxy a failed`))));
      });
      const pubs = await Promise.all(joins);
      await killWhenPlacing;
      assert.ok(placedAtKill > 0 && placedAtKill < JOINS_PER_PROXY * 2, `the owner was killed during the joins (${String(placedAtKill)} placed)`);
      // A surviving proxy owns the room now.
      assert.match(await pollUntil('a survivor owns the room', async () => {
        const now = await owner();
        return now.startsWith('proxy-doomed-') ? undefined : now;
      }, TIMEOUT_MS), /^(?!proxy-doomed-)/);
      // Once the doomed proxy's reclaim window has passed: every Janus lists exactly the completed
      // joins, each local on one Janus and mirrored once on the other.
      const ids = pubs.map((p) => p.id);
      await everyJanusLists(ids, 'every completed join, once', ROOM_B);
      for (const p of pubs) {
        const origin = await originOf(inspectors, ROOM_B, p.id);
        const other = origin === 0 ? 1 : 0;
        const view = await inspectors[other]!.room(ROOM_B);
        assert.equal(view?.remote.filter((r) => r.id === p.id).length, 1, `${String(p.id)} mirrored once on Janus ${String(other)}`);
        // A copy is listed before its origin is told to send to it (publish_remotely follows the
        // listing), and a copy the new owner makes again may be in that step right now.
        const forwardsTo = [`jc-${janus[other]!.name}`];
        await pollUntil(`${String(p.id)} forwarded to its copy`, async () => (
          JSON.stringify(await inspectors[origin]!.remotes(ROOM_B, p.id as number)) === JSON.stringify(forwardsTo) ? true : undefined
        ), TIMEOUT_MS);
      }
      for (const proxy of [0, 1]) {
        const data = await (await videoRoomHandle(await clients.connect(proxies[proxy]!.url))).sync({ request: 'listparticipants', room: ROOM_B });
        assert.deepEqual((data.participants as Data[]).map((p) => String(p.id)).sort(), ids.map(String).sort());
      }
      // The room record holds no placeholder of a join the dead proxy left half done: one the sweep
      // did not end goes once that proxy's lease has expired, without waiting for another join.
      const recordLists = async (want: string[]): Promise<void> => {
        const recorded = await pollUntil('the room record lists the completed joins only', async () => {
          const keys = (await redisClient.client.hkeys(participantsKey)).sort();
          return JSON.stringify(keys) === JSON.stringify(want) ? keys : undefined;
        }, TIMEOUT_MS).catch(async () => (await redisClient.client.hkeys(participantsKey)).sort());
        const records = await redisClient.client.hgetall(participantsKey);
        assert.deepEqual(recorded, want, JSON.stringify(records));
        // Each a joined participant: its private id from Janus's `joined` kept through every later write.
        for (const [id, json] of Object.entries(records)) {
          const p = JSON.parse(json) as { privateId?: unknown; placedBy?: unknown };
          assert.ok(typeof p.privateId === 'number' && p.placedBy === undefined, `${id} is recorded as joined: ${json}`);
        }
      };
      await recordLists(ids.map(String).sort());
      // The same for a placeholder written now by a proxy that holds no lease: the proxies that have
      // the room loaded drop it by themselves.
      const ghost = new RedisRoomStore(redisClient);
      await ghost.putParticipant(ROOM_B, { id: 999_001, display: 'ghost', backend: janus[0]!.name, privateId: undefined, placedBy: 'proxy-ghost', streams: [], extensions: {}, mirrors: {} });
      assert.ok(await redisClient.client.hexists(participantsKey, '999001'), 'the ghost placeholder is recorded');
      await recordLists(ids.map(String).sort());
      const late = await publish(0, 'late', ROOM_B);
      await recordLists([...ids, late.id].map(String).sort());
    } finally {
      await redisClient.close();
      await doomed.stop();
    }
  });
});
