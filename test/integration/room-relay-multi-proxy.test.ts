// Room-routed plugins across proxies: two proxies (separate processes) share one real Redis in front
// of two real Janus hosts (network namespaces, real media). An AudioBridge room created through
// proxy A is joined by a participant on A and one on B: both land on the room's Janus (the room
// routes are shared), both are listed from either proxy, and each hears the mix. Then proxy B is
// SIGKILLed: its participant claims its session on A and keeps its place, its PeerConnection and
// its audio.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import type { ProxyProcess } from '../support/proxy-process.js';
import { startSharedStoreProxies, TestClients } from '../support/shared-store-proxies.js';
import { dataOf, openHandle, requestEvent, syncRequest, type At, type Data } from '../support/plugin-messages.js';
import { createEchoPeer, type EchoPeer } from '../support/werift-peer.js';
import { pollUntil } from '../support/processes.js';

const AB = 'janus.plugin.audiobridge';
const open = (client: JanusTestClient): Promise<At> => openHandle(client, AB);
const sync = syncRequest;
const withEvent = requestEvent;

describe('AudioBridge rooms across two proxies sharing Redis, and a participant surviving its proxy', { timeout: 120_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  let proxies: ProxyProcess[] = [];
  const clients = new TestClients();
  const peers: EchoPeer[] = [];
  const connect = (url: string): Promise<JanusTestClient> => clients.connect(url);

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(2, { plugins: ['audiobridge'], reclaimSessionTimeout: 3 })]);
    proxies = await startSharedStoreProxies(janus, redis, ['proxy-a', 'proxy-b']);
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await clients.closeAll();
    for (const proxy of proxies) await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  it('participants on both proxies meet in one room and hear each other; the one whose proxy dies claims its session on the other', async () => {
    const [proxyA, proxyB] = proxies as [ProxyProcess, ProxyProcess];
    const admin = await connect(proxyA.url);
    const room = (await sync(admin, await open(admin), { request: 'create' })).room as number;
    const holder = await (async () => {
      for (const j of janus) {
        const direct = await JanusTestClient.connect(j.wsUrl);
        try {
          if ((await sync(direct, await open(direct), { request: 'exists', room })).exists === true) return j;
        } finally {
          await direct.close();
        }
      }
      throw new Error(`room ${String(room)} on no Janus`);
    })();

    const members: { client: JanusTestClient; at: At; peer: EchoPeer }[] = [];
    for (const [name, url] of [['alice', proxyA.url], ['bob', proxyB.url]] as const) {
      const client = await connect(url);
      const at = await open(client);
      const joined = await withEvent(client, at, { request: 'join', room, display: name });
      assert.equal(dataOf(joined).audiobridge, 'joined', JSON.stringify(joined));
      const peer = createEchoPeer({ iceAddress: holder.peerAddress, audio: true, video: false });
      peers.push(peer);
      const event = await withEvent(client, at, { request: 'configure', muted: false }, await peer.createOffer());
      await peer.setAnswer(event.jsep as { type: string; sdp: string });
      members.push({ client, at, peer });
    }
    await Promise.all(members.map((m) => m.peer.waitForRtp(20, 20_000)));
    for (const m of members) {
      const listed = await sync(m.client, m.at, { request: 'listparticipants', room });
      assert.deepEqual((listed.participants as Data[]).map((p) => p.display).sort(), ['alice', 'bob']);
    }

    // Bob's proxy dies; Bob claims his session on A and carries on in the room.
    const bob = members[1]!;
    await proxyB.kill('SIGKILL');
    const moved = await connect(proxyA.url);
    assert.equal((await moved.request({ janus: 'claim', session_id: bob.at.session_id })).janus, 'success');
    await new Promise<void>((resolve) => { setTimeout(resolve, 4_000); }); // past Janus's own reclaim window
    const heard = bob.peer.rtpReceived.audio;
    await pollUntil('Bob still hears the mix after the take-over', () => (bob.peer.rtpReceived.audio > heard + 50 ? true : undefined), 10_000);
    assert.equal(bob.peer.pc.connectionState, 'connected');
    const muted = await withEvent(moved, bob.at, { request: 'configure', muted: true });
    assert.equal(dataOf(muted).result, 'ok', JSON.stringify(muted));
    const listed = await sync(moved, bob.at, { request: 'listparticipants', room });
    assert.deepEqual((listed.participants as Data[]).map((p) => [p.display, p.muted]).sort(), [['alice', false], ['bob', true]]);
  });
});
