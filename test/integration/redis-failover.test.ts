// Redis with failover: two proxy processes use Redis Sentinel (`store.sentinel`, three real
// sentinels, a primary and a replica; `store.wait_replicas: 1`) in front of a real Janus. With 200
// sessions (one EchoTest handle each) on one proxy, the Redis primary is SIGKILLed: the sessions
// keep relaying while Redis is down (the hot path never touches it), handles attached meanwhile
// work and get their records once Redis is back, a `create` meanwhile is
// answered (an error, or a success once the new primary is there, never silence), both proxies
// make new sessions again within 10 s of the sentinels' failover, no session record is lost (all
// 200, each with its handle, are on the new primary), and sessions are claimed on the other proxy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import type { JanusMessage, JanusTestClient } from '../support/janus-client.js';
import { redisCommand } from '../support/redis-fixture.js';
import { startRedisFailoverSet, type RedisFailoverSet } from '../support/redis-sentinel-fixture.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { TestClients } from '../support/shared-store-proxies.js';
import { echotestHandle, type EchoSetup } from '../support/cluster-helpers.js';
import { killPidSync, pollUntil } from '../support/processes.js';

const SESSIONS = 200;
const CONNECTIONS = 4;
const KEY_PREFIX = 'janus-cloud:';
/** The target of issue #11: new sessions again within this long of the failover. */
const SERVING_AGAIN_WITHIN_MS = 10_000;

async function echoes(client: JanusTestClient, setup: EchoSetup): Promise<boolean> {
  const { event } = await client.requestWithEvent({ janus: 'message', session_id: setup.sessionId, handle_id: setup.handleId, body: { bitrate: 64000 } });
  return (event.plugindata as { data: { result?: string } }).data.result === 'ok';
}

function errorCode(reply: JanusMessage): number | undefined {
  return (reply.error as { code?: number } | undefined)?.code;
}

describe('Redis primary killed under 200 sessions: Sentinel failover', { timeout: 240_000 }, () => {
  let redis: RedisFailoverSet | undefined;
  let janus: JanusInstance[] = [];
  const proxies: ProxyProcess[] = [];
  const clients = new TestClients();

  before(async () => {
    const [set, started] = await Promise.all([startRedisFailoverSet(), startJanusCluster(1, { netns: false, plugins: ['echotest'], reclaimSessionTimeout: 30 })]);
    [redis, janus] = [set, started];
    for (const name of ['proxy-a', 'proxy-b']) {
      proxies.push(await startProxyProcess(janus, { store: set.store({ wait_replicas: 1 }), general: { server_name: name } }));
    }
  });
  after(async () => {
    await clients.closeAll();
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(janus.map((j) => j.stop()));
    await redis?.stop();
  });

  it('sessions keep relaying, create is answered, new sessions within 10 s of the failover, no record lost, claims work', async (t) => {
    const set = redis!;
    const [proxyA, proxyB] = [proxies[0]!, proxies[1]!];
    const onA = await Promise.all(Array.from({ length: CONNECTIONS }, () => clients.connect(proxyA.url)));
    const setups = await Promise.all(onA.map(async (client) => {
      const out: EchoSetup[] = [];
      for (let i = 0; i < SESSIONS / CONNECTIONS; i++) out.push(await echotestHandle(client));
      return out;
    }));

    killPidSync(set.primary.pid, 'SIGKILL');
    const killedAt = performance.now();

    // Redis is down (the sentinels need a second to even notice): every session still relays.
    const relayed = await Promise.all(setups.map((list, i) => Promise.all(list.map((s) => echoes(onA[i]!, s)))));
    assert.ok(relayed.flat().every(Boolean), 'every EchoTest handle answers while Redis is down');
    const relayMs = performance.now() - killedAt;
    // Handles attached now work at once; their records are written once Redis is back.
    const attachedDuring: EchoSetup[] = [];
    for (const [i, list] of setups.entries()) {
      const s = list[0]!;
      const client = onA[i]!;
      const handleId = await client.attach(s.sessionId, 'janus.plugin.echotest');
      attachedDuring.push({ sessionId: s.sessionId, handleId });
      assert.ok(await echoes(client, { sessionId: s.sessionId, handleId }));
    }

    // A new session needs Redis: it is answered either way, with an error or (after the failover) a session.
    const creator = await clients.connect(proxyB.url);
    const askedAt = performance.now();
    const during = await creator.request({ janus: 'create' }, { timeoutMs: 15_000 });
    const answerMs = performance.now() - askedAt;
    assert.ok(during.janus === 'success' || errorCode(during) === 490, JSON.stringify(during));

    const failedOverAt = await pollUntil('the sentinels to promote the replica', async () => {
      return (await set.currentPrimaryPort()) === set.replica.port ? performance.now() : undefined;
    }, 30_000, 50);

    // Both proxies make new sessions again (each `create` is answered only once its record is written).
    for (const proxy of proxies) {
      const client = await clients.connect(proxy.url);
      await pollUntil(`${proxy.url} to create sessions again`, async () => {
        const reply = await client.request({ janus: 'create' }, { timeoutMs: 15_000 });
        return reply.janus === 'success' ? true : undefined;
      }, SERVING_AGAIN_WITHIN_MS + 5_000, 200);
    }
    const servingMs = performance.now() - failedOverAt;
    assert.ok(servingMs <= SERVING_AGAIN_WITHIN_MS, `new sessions ${String(Math.round(servingMs))} ms after the failover`);

    // Every record, with its handle, is on the new primary.
    const missing: number[] = [];
    for (const s of setups.flat()) {
      const handle = await redisCommand(set.replica.port, ['HGET', `${KEY_PREFIX}session:${String(s.sessionId)}`, `h:${String(s.handleId)}`]);
      if (handle === null) missing.push(s.sessionId);
    }
    assert.deepEqual(missing, [], `${String(missing.length)} of ${String(SESSIONS)} session records lost`);
    await pollUntil('the handles attached during the outage to have their records', async () => {
      const found = await Promise.all(attachedDuring.map((s) => redisCommand(set.replica.port, ['HGET', `${KEY_PREFIX}session:${String(s.sessionId)}`, `h:${String(s.handleId)}`])));
      return found.every((h) => h !== null) ? true : undefined;
    }, 10_000, 200);

    // A few sessions move to the other proxy: take-over reads and writes the new primary.
    const onB = await clients.connect(proxyB.url);
    for (const s of setups.flat().filter((_, i) => i % 20 === 0)) {
      const claimed = await onB.request({ janus: 'claim', session_id: s.sessionId });
      assert.equal(claimed.janus, 'success', JSON.stringify(claimed));
      assert.ok(await echoes(onB, s));
    }
    t.diagnostic(`relayed ${String(SESSIONS)} messages in ${String(Math.round(relayMs))} ms with Redis down; create during the outage: ${during.janus === 'success' ? 'success' : `error ${String(errorCode(during))}`} in ${String(Math.round(answerMs))} ms; serving again ${String(Math.round(servingMs))} ms after the failover (${String(Math.round(failedOverAt - killedAt))} ms after the kill)`);
  });
});
