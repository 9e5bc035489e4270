// Redis Cluster (`store.cluster`): a real six-node cluster (three primaries, three replicas). The
// session store passes its contract on it (every key in one hash-tagged slot, so the multi-key
// scripts work); two proxy processes share it: sessions made on one are claimed on the other (the
// bus's pub/sub crosses the cluster); the primary holding the slot is SIGKILLed, its replica takes
// over, the proxies make sessions again and no record is lost.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { RedisSessionStore } from '../../src/store/redis/session-store.js';
import { ProxyLease } from '../../src/store/redis/proxy-lease.js';
import { openRedis } from '../../src/store/redis/connection.js';
import { startRedisCluster, type RedisClusterSet } from '../support/redis-cluster-fixture.js';
import { redisCommand } from '../support/redis-fixture.js';
import { sessionStoreContract } from '../support/session-store-contract.js';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import type { JanusTestClient } from '../support/janus-client.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { TestClients } from '../support/shared-store-proxies.js';
import { echotestHandle, type EchoSetup } from '../support/cluster-helpers.js';
import { killPidSync, pollUntil } from '../support/processes.js';

const SESSIONS = 20;
const KEY_PREFIX = '{janus-cloud}:';

let redis: RedisClusterSet | undefined;
before(async () => { redis = await startRedisCluster(); });
after(async () => { await redis?.stop(); });

sessionStoreContract('redis cluster', (cluster) => async (proxyId) => {
  if (!redis) throw new Error('the Redis Cluster did not start');
  const logger = pino({ level: 'silent' });
  const nodes = redis.nodes.slice(0, 3).map((n) => ({ host: '127.0.0.1', port: n.port }));
  const connection = openRedis({ url: 'redis://127.0.0.1:6379', cluster: nodes, keyPrefix: `{sessions-${cluster}}:` });
  const lease = new ProxyLease(connection, proxyId, 10_000, logger);
  await lease.start();
  const store = new RedisSessionStore(connection, lease, logger);
  return { store, close: async () => { await store.close(); await lease.close(); await connection.close(); } };
});

async function echoes(client: JanusTestClient, setup: EchoSetup): Promise<boolean> {
  const { event } = await client.requestWithEvent({ janus: 'message', session_id: setup.sessionId, handle_id: setup.handleId, body: { bitrate: 64000 } });
  return (event.plugindata as { data: { result?: string } }).data.result === 'ok';
}

describe('proxies on a Redis Cluster', { timeout: 180_000 }, () => {
  let janus: JanusInstance[] = [];
  const proxies: ProxyProcess[] = [];
  const clients = new TestClients();

  before(async () => {
    janus = await startJanusCluster(1, { netns: false, plugins: ['echotest'], reclaimSessionTimeout: 30 });
    for (const name of ['proxy-a', 'proxy-b']) proxies.push(await startProxyProcess(janus, { store: redis!.store(), general: { server_name: name } }));
  });
  after(async () => {
    await clients.closeAll();
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(janus.map((j) => j.stop()));
  });

  it('sessions move between proxies, and survive the SIGKILL of the primary that holds them', async () => {
    const cluster = redis!;
    const [proxyA, proxyB] = [proxies[0]!, proxies[1]!];
    const onA = await clients.connect(proxyA.url);
    const setups: EchoSetup[] = [];
    for (let i = 0; i < SESSIONS; i++) setups.push(await echotestHandle(onA));
    const onB = await clients.connect(proxyB.url);
    const first = setups[0]!;
    assert.equal((await onB.request({ janus: 'claim', session_id: first.sessionId })).janus, 'success');
    assert.ok(await echoes(onB, first));

    const holder = await cluster.primaryFor(`${KEY_PREFIX}session:${String(first.sessionId)}`);
    killPidSync(holder.pid, 'SIGKILL');
    assert.ok((await Promise.all(setups.slice(1).map((s) => echoes(onA, s)))).every(Boolean), 'sessions relay while their primary is gone');
    await cluster.waitHealthy();
    for (const proxy of proxies) {
      const client = await clients.connect(proxy.url);
      await pollUntil(`${proxy.url} to create sessions again`, async () => {
        const reply = await client.request({ janus: 'create' }, { timeoutMs: 15_000 });
        return reply.janus === 'success' ? true : undefined;
      }, 15_000, 200);
    }
    const promoted = await cluster.primaryFor(`${KEY_PREFIX}session:${String(first.sessionId)}`);
    assert.notEqual(promoted.port, holder.port);
    const missing = [];
    for (const s of setups) {
      if ((await redisCommand(promoted.port, ['HGET', `${KEY_PREFIX}session:${String(s.sessionId)}`, `h:${String(s.handleId)}`])) === null) missing.push(s.sessionId);
    }
    assert.deepEqual(missing, []);
    const last = setups.at(-1)!;
    assert.equal((await onB.request({ janus: 'claim', session_id: last.sessionId })).janus, 'success');
    assert.ok(await echoes(onB, last));
  });
});
