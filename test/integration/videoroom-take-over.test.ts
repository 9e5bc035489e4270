// VideoRoom session take-over: a werift publisher and a werift subscriber in one room through proxy A
// (a process, sharing a real Redis with proxy B) in front of a real Janus in a network namespace.
// A is SIGKILLed; both clients reconnect to B and `claim`: same session and handle ids, the
// subscriber's RTP keeps arriving after Janus's own reclaim window has run out (B really claimed the
// backend sessions) on the same PeerConnection, the restored handles answer and hear room events
// again, and the room record still lists the publisher for new subscribers joining through B.
// A publisher whose proxy dies and who never comes back is removed from the room's record once its
// reclaim window has passed (the surviving proxy ends the session through the VideoRoom plugin).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import type { JanusTestClient } from '../support/janus-client.js';
import { redisCommand, startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { sharedStore, startSharedStoreProxies, TestClients } from '../support/shared-store-proxies.js';
import { publishWerift, subscribeWerift, videoRoomHandle, type Publisher, type Subscriber } from '../support/videoroom-direct.js';
import { pollUntil } from '../support/processes.js';

const JANUS_RECLAIM_S = 3;
const ROOM = 5151;
const ROOM_SECRET = 'take-over-test';

describe('a VideoRoom publisher and subscriber whose proxy dies carry on through another proxy', { timeout: 150_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  let proxyA: ProxyProcess;
  let proxyB: ProxyProcess;
  const clients = new TestClients();
  const peers: { close(): Promise<void> }[] = [];

  before(async () => {
    [redis, janus] = await Promise.all([
      startRedis(),
      startJanusCluster(1, { plugins: ['videoroom'], videoroom: {}, reclaimSessionTimeout: JANUS_RECLAIM_S }),
    ]);
    // Both proxies open the backend rooms with one secret, as a cluster's proxies share their config.
    [proxyA, proxyB] = (await startSharedStoreProxies(janus, redis, ['proxy-a', 'proxy-b'], {
      videoroom: { backend_room_secret: ROOM_SECRET },
    })) as [ProxyProcess, ProxyProcess];
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await clients.closeAll();
    await proxyA.stop();
    await proxyB.stop();
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  function totalRtp(s: Subscriber): number {
    return s.peer.rtpReceived.audio + s.peer.rtpReceived.video;
  }

  it('SIGKILL of the proxy: publisher and subscriber are claimed on the other proxy, media never stops', async () => {
    const iceAddress = janus[0]!.peerAddress!;
    const pubClient = await clients.connect(proxyA.url);
    const subClient = await clients.connect(proxyA.url);
    const ctl = await videoRoomHandle(pubClient);
    assert.equal((await ctl.sync({ request: 'create', room: ROOM, publishers: 6 })).videoroom, 'created');
    const publisher: Publisher = await publishWerift(pubClient, ROOM, { iceAddress, display: 'alice' });
    peers.push(publisher.peer);
    const streams = publisher.streams.map((s) => ({ feed: publisher.id, mid: s.mid }));
    const subscriber = await subscribeWerift(subClient, ROOM, streams, { iceAddress });
    peers.push(subscriber.peer);
    await subscriber.peer.waitForRtp(20, 15_000);

    await proxyA.kill('SIGKILL');
    const killedAt = performance.now();

    // Reconnect to B and claim, as janus.js reconnect() does; nothing tells the clients their handles went.
    const pubOnB = await clients.connect(proxyB.url);
    const subOnB = await clients.connect(proxyB.url);
    const since = { pub: pubOnB.mark(), sub: subOnB.mark() };
    for (const [client, sessionId] of [[pubOnB, publisher.handle.sessionId], [subOnB, subscriber.handle.sessionId]] as const) {
      const claimed = await client.request({ janus: 'claim', session_id: sessionId });
      assert.equal(claimed.janus, 'success', JSON.stringify(claimed));
    }
    const pubAt = { session_id: publisher.handle.sessionId, handle_id: publisher.handle.handleId };
    const subAt = { session_id: subscriber.handle.sessionId, handle_id: subscriber.handle.handleId };

    // The restored publisher answers on B: a configure reaches its backend handle and comes back.
    const configured = await pubOnB.requestWithEvent({ janus: 'message', ...pubAt, body: { request: 'configure', bitrate: 256000 } });
    assert.equal((configured.event.plugindata as { data: { configured?: string } }).data.configured, 'ok', JSON.stringify(configured.event));
    // Room events reach it through B: a newcomer publishing through B is announced to it by Janus.
    const bob = await publishWerift(await clients.connect(proxyB.url), ROOM, { iceAddress, display: 'bob' });
    peers.push(bob.peer);
    await pubOnB.waitFor((m) => m.janus === 'event' && m.sender === pubAt.handle_id
      && JSON.stringify(m.plugindata).includes('"bob"'), 15_000, since.pub);
    // The restored subscriber renegotiates on B: it adds bob's feed to its subscription.
    const updated = await subOnB.requestWithEvent({
      janus: 'message', ...subAt, body: { request: 'subscribe', streams: bob.streams.map((s) => ({ feed: bob.id, mid: s.mid })) },
    }, { timeoutMs: 20_000 });
    const updatedData = (updated.event.plugindata as { data: { videoroom?: string } }).data;
    assert.equal(updatedData.videoroom, 'updated', JSON.stringify(updated.event));

    // Media: still arriving after Janus's own reclaim window has passed since the kill.
    await new Promise<void>((resolve) => { setTimeout(resolve, Math.max(0, JANUS_RECLAIM_S * 1000 + 1000 - (performance.now() - killedAt))); });
    const before = totalRtp(subscriber);
    await pollUntil('RTP at the subscriber after the take-over', () => (totalRtp(subscriber) > before + 50 ? true : undefined), 10_000);
    assert.equal(subscriber.peer.pc.connectionState, 'connected', 'the same subscriber PeerConnection');
    assert.equal(publisher.peer.pc.connectionState, 'connected', 'the same publisher PeerConnection');

    // The room still lists alice (her record survived), so a new subscriber through B gets her media.
    const late = await subscribeWerift(await clients.connect(proxyB.url), ROOM, streams, { iceAddress });
    peers.push(late.peer);
    await late.peer.waitForRtp(20, 15_000);

    // Neither client was told its handles went.
    for (const [client, mark] of [[pubOnB, since.pub], [subOnB, since.sub]] as [JanusTestClient, number][]) {
      const gone = client.frames.slice(mark).filter((m) => m.janus === 'detached' || m.janus === 'hangup');
      assert.deepEqual(gone, [], 'no detached or hangup after the claim');
    }

    // The restored publisher leaves through B: the room forgets her, as it would on A.
    const left = await pubOnB.requestWithEvent({ janus: 'message', ...pubAt, body: { request: 'leave' } });
    assert.equal((left.event.plugindata as { data: { leaving?: string } }).data.leaving, 'ok');
    const list = await videoRoomHandle(subOnB, subscriber.handle.sessionId);
    await pollUntil('alice gone from the room', async () => {
      const participants = (await list.sync({ request: 'listparticipants', room: ROOM })).participants as { display?: string }[];
      return participants.some((p) => p.display === 'alice') ? undefined : true;
    }, 10_000);
  });

  it('a publisher whose proxy dies and who never claims is removed from the room record after its reclaim window', async () => {
    const participantsKey = `janus-cloud:vroom:${String(ROOM)}:participants`;
    const stored = async (): Promise<string> => JSON.stringify(await redisCommand(redis.port, ['HGETALL', participantsKey]));
    const doomed = await startProxyProcess(janus, {
      store: sharedStore(redis, { proxy_ttl_s: 1 }), general: { server_name: 'proxy-doomed', reclaim_session_timeout: 2 },
      videoroom: { backend_room_secret: ROOM_SECRET },
    });
    try {
      const carol = await publishWerift(await clients.connect(doomed.url), ROOM, { iceAddress: janus[0]!.peerAddress!, display: 'carol' });
      peers.push(carol.peer);
      assert.ok((await stored()).includes('carol'), 'the room record lists carol');
      await doomed.kill('SIGKILL');
      await pollUntil('carol removed from the room record', async () => ((await stored()).includes('carol') ? undefined : true), 20_000);
    } finally {
      await doomed.stop();
    }
  });
});
