// Session take-over: two proxies (separate processes) share a real Redis in front of a real Janus
// (in a network namespace, so media flows). Clients on proxy A; A is SIGKILLed; the clients reconnect
// to proxy B and `claim` their sessions: same session and handle ids, every handle still answers,
// and the werift EchoTest's echoed RTP keeps arriving after Janus's own reclaim window has run out
// (so B really claimed the backend session, Janus did not just keep it alive) — with no new
// PeerConnection. Claims of sessions that never existed or were destroyed answer 458 everywhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { startRedis, redisCommand, type RedisInstance } from '../support/redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { sharedStore, startSharedStoreProxies, TestClients } from '../support/shared-store-proxies.js';
import { createEchoPeer, type EchoPeer } from '../support/werift-peer.js';
import { echotestHandle, listSessions, runEchoMedia } from '../support/cluster-helpers.js';
import { pollUntil } from '../support/processes.js';
import { startTestProxy, TEST_ADMIN_TOKEN } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';

const JANUS_RECLAIM_S = 3;
const SESSIONS = 200;
const CONNECTIONS = 4;

/** An EchoTest message on an existing handle: resolves with the plugin's event. */
async function echoMessage(client: JanusTestClient, sessionId: number, handleId: number): Promise<JanusMessage> {
  const { event } = await client.requestWithEvent({ janus: 'message', session_id: sessionId, handle_id: handleId, body: { bitrate: 128000 } });
  return event;
}

function errorCode(reply: JanusMessage): number | undefined {
  return (reply.error as { code?: number } | undefined)?.code;
}

describe('a client whose proxy dies claims its session on another proxy', { timeout: 150_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  let proxyA: ProxyProcess;
  let proxyB: ProxyProcess;
  const clients = new TestClients();
  const connect = (url: string): Promise<JanusTestClient> => clients.connect(url);
  let peer: EchoPeer | undefined;

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(1, { plugins: ['echotest'], reclaimSessionTimeout: JANUS_RECLAIM_S })]);
    [proxyA, proxyB] = (await startSharedStoreProxies(janus, redis, ['proxy-a', 'proxy-b'])) as [ProxyProcess, ProxyProcess];
  });
  after(async () => {
    await peer?.close();
    await clients.closeAll();
    await proxyA.stop();
    await proxyB.stop();
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  it(`SIGKILL of the proxy: ${String(SESSIONS)} sessions and a live EchoTest move to the other proxy, media never stops`, async () => {
    // A werift EchoTest with media, and SESSIONS more sessions with one EchoTest handle each, all on A.
    const mediaClient = await connect(proxyA.url);
    const media = await echotestHandle(mediaClient);
    const meta = JSON.parse(String(await redisCommand(redis.port, ['HGET', `janus-cloud:session:${String(media.sessionId)}`, 'meta']))) as { transport: string };
    assert.equal(meta.transport, 'ws', 'the record names the transport that created the session');
    peer = createEchoPeer({ iceAddress: janus[0]!.peerAddress });
    await runEchoMedia(mediaClient, media.sessionId, media.handleId, peer);
    const onA = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(proxyA.url)));
    const setups = await Promise.all(onA.map(async (client) => {
      const out = [];
      for (let i = 0; i < SESSIONS / CONNECTIONS; i++) out.push(await echotestHandle(client));
      return out;
    }));

    await proxyA.kill('SIGKILL');
    const killedAt = performance.now();

    // Reconnect to B and claim, as janus.js reconnect() does.
    const mediaOnB = await connect(proxyB.url);
    const claimed = await mediaOnB.request({ janus: 'claim', session_id: media.sessionId });
    assert.equal(claimed.janus, 'success', JSON.stringify(claimed));
    const onB = await Promise.all(onA.map(() => connect(proxyB.url)));
    const claims = await Promise.all(setups.map((list, i) => Promise.all(list.map(async (s) => {
      const reply = await onB[i]!.request({ janus: 'claim', session_id: s.sessionId });
      return { reply, ms: performance.now() - killedAt };
    }))));
    const flat = claims.flat();
    const ok = flat.filter((c) => c.reply.janus === 'success' && c.ms <= 5_000);
    assert.equal(ok.length, SESSIONS, `claimed within 5 s: ${String(ok.length)}; first failure: ${JSON.stringify(flat.find((c) => c.reply.janus !== 'success')?.reply)}`);

    // Every old handle answers on B; new attaches work.
    for (const [i, list] of setups.entries()) {
      const client = onB[i]!;
      const events = await Promise.all(list.map((s) => echoMessage(client, s.sessionId, s.handleId)));
      for (const event of events) assert.equal((event.plugindata as { data: { result?: string } }).data.result, 'ok');
    }
    const fresh = await onB[0]!.attach(setups[0]![0]!.sessionId, 'janus.plugin.echotest');
    assert.ok(fresh > 0);

    // Media: still echoed after Janus's own reclaim window has passed since the kill.
    await new Promise<void>((resolve) => { setTimeout(resolve, Math.max(0, JANUS_RECLAIM_S * 1000 + 1000 - (performance.now() - killedAt))); });
    const before = peer.rtpReceived.video + peer.rtpReceived.audio;
    await pollUntil('echoed RTP after the take-over', () => (peer!.rtpReceived.video + peer!.rtpReceived.audio > before + 50 ? true : undefined), 10_000);
    assert.equal(peer.pc.connectionState, 'connected', 'the same PeerConnection, never renegotiated');
    const echo = await echoMessage(mediaOnB, media.sessionId, media.handleId);
    assert.equal((echo.plugindata as { data: { result?: string } }).data.result, 'ok');
    // Janus still holds every session (none was destroyed by its reclaim timeout).
    const live = new Set(await listSessions(janus[0]!));
    assert.ok(live.size >= SESSIONS + 1, `Janus sessions: ${String(live.size)}`);
  });

  it('a claim on another proxy while the owner lives: the owner drops its copy without touching Janus, events follow the client', async () => {
    const onC = await startProxyProcess(janus, { store: sharedStore(redis), general: { server_name: 'proxy-live' } });
    try {
      const first = await connect(onC.url);
      const { sessionId, handleId } = await echotestHandle(first);
      const second = await connect(proxyB.url);
      assert.equal((await second.request({ janus: 'claim', session_id: sessionId })).janus, 'success');
      const event = await echoMessage(second, sessionId, handleId);
      assert.equal((event.plugindata as { data: { result?: string } }).data.result, 'ok');
      // The old owner forgot the session (as Janus does after a claim elsewhere) but did not destroy it.
      await pollUntil('the old owner to drop the session', async () => {
        const reply = await first.request({ janus: 'keepalive', session_id: sessionId });
        return errorCode(reply) === 458 ? true : undefined;
      }, 5_000);
      assert.equal((await echoMessage(second, sessionId, handleId)).janus, 'event');
    } finally {
      await onC.stop();
    }
  });

  it('a claim for a session that never existed answers 458; one destroyed on purpose answers 458 on every proxy', async () => {
    const client = await connect(proxyB.url);
    const never = await client.request({ janus: 'claim', session_id: 12345678 });
    assert.equal(errorCode(never), 458);
    const { sessionId } = await echotestHandle(client);
    assert.equal((await client.request({ janus: 'destroy', session_id: sessionId })).janus, 'success');
    const restarted = await startProxyProcess(janus, { store: sharedStore(redis), general: { server_name: 'proxy-c' } });
    try {
      for (const url of [proxyB.url, restarted.url]) {
        const other = await connect(url);
        assert.equal(errorCode(await other.request({ janus: 'claim', session_id: sessionId })), 458, url);
      }
    } finally {
      await restarted.stop();
    }
  });

  it('the admin API shows per backend whether its sessions can be taken over (its own reclaim_session_timeout)', async () => {
    const [other] = await startJanusCluster(1, { netns: false, plugins: ['echotest'] });
    const proxy = await startTestProxy([janus[0]!, other!], {
      store: { type: 'redis', redis_url: redis.url },
      janus_server: [{ name: 'keeps', url: janus[0]!.wsUrl }, { name: 'drops', url: other!.wsUrl }],
    });
    try {
      const admin = new AdminClient(proxy.adminUrl!, TEST_ADMIN_TOKEN);
      const backends = await admin.ok<{ name: string; reclaim_session_timeout_s?: number; take_over_possible?: boolean }[]>('GET', '/backend_servers');
      const byName = new Map(backends.map((b) => [b.name, b]));
      assert.deepEqual([byName.get('keeps')?.reclaim_session_timeout_s, byName.get('keeps')?.take_over_possible], [JANUS_RECLAIM_S, true]);
      assert.deepEqual([byName.get('drops')?.reclaim_session_timeout_s, byName.get('drops')?.take_over_possible], [0, false]);
    } finally {
      await proxy.stop();
      await other!.stop();
    }
  });

  it('sessions nobody claims are swept once their reclaim window has passed: nothing is left in Redis', async () => {
    const keys = async (): Promise<number> => Number(await redisCommand(redis.port, ['DBSIZE']));
    const c = await startProxyProcess(janus, { store: sharedStore(redis, { proxy_ttl_s: 1 }), general: { server_name: 'proxy-d', reclaim_session_timeout: 2 } });
    const baseline = await keys();
    const client = await connect(c.url);
    for (let i = 0; i < 5; i++) await echotestHandle(client);
    assert.ok((await keys()) > baseline);
    await c.kill('SIGKILL');
    await pollUntil('the dead proxy\'s records swept by proxy B', async () => ((await keys()) <= baseline - 1 ? true : undefined), 20_000);
  });
});
