// Graceful stop: a proxy told to drain (POST /drain, or SIGTERM) is not ready and refuses new
// sessions at once (472, `accepting-new-sessions: false`), closes its clients' WebSockets with 1001
// after shutdown.grace_s, and destroys nothing: the clients claim their sessions on another proxy
// (real Redis, real Janus, proxies in-process and as separate processes) and their handles answer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import type { JanusTestClient } from '../support/janus-client.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { startTestProxy, TEST_ADMIN_TOKEN } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';
import { sharedStore, startSharedStoreProxies, TestClients } from '../support/shared-store-proxies.js';
import { echotestHandle } from '../support/cluster-helpers.js';

const GRACE_S = 1;

async function echoes(client: JanusTestClient, sessionId: number, handleId: number): Promise<boolean> {
  const { event } = await client.requestWithEvent({ janus: 'message', session_id: sessionId, handle_id: handleId, body: { bitrate: 64000 } });
  return (event.plugindata as { data: { result?: string } }).data.result === 'ok';
}

describe('draining a proxy hands its clients to the others', { timeout: 90_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  let heir: ProxyProcess;
  const clients = new TestClients();

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(1, { netns: false, plugins: ['echotest'], reclaimSessionTimeout: 20 })]);
    [heir] = (await startSharedStoreProxies(janus, redis, ['heir'])) as [ProxyProcess];
  });
  after(async () => {
    await clients.closeAll();
    await heir.stop();
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  it('POST /drain: not ready, create refused with 472, clients closed after the grace period, sessions claimed elsewhere', async () => {
    const proxy = await startTestProxy(janus, { store: sharedStore(redis), shutdown: { grace_s: GRACE_S } });
    try {
      const client = await clients.connect(proxy.url);
      const { sessionId, handleId } = await echotestHandle(client);
      const admin = new AdminClient(proxy.adminUrl!, TEST_ADMIN_TOKEN);
      assert.equal((await admin.request('GET', '/readyz')).status, 200);
      const started = performance.now();
      assert.deepEqual(await admin.ok('POST', '/drain'), { status: 'draining', grace_s: GRACE_S });
      assert.equal((await admin.request('GET', '/readyz')).status, 503);
      assert.equal((await client.request({ janus: 'info' }))['accepting-new-sessions'], false);
      const refused = await client.request({ janus: 'create' });
      assert.equal((refused.error as { code?: number } | undefined)?.code, 472);
      assert.ok(await echoes(client, sessionId, handleId), 'existing sessions keep working while draining');
      const closed = await client.closed;
      assert.equal(closed.code, 1001);
      assert.ok(performance.now() - started >= GRACE_S * 1000 - 50, 'closed only after the grace period');
      const moved = await clients.connect(heir.url);
      assert.equal((await moved.request({ janus: 'claim', session_id: sessionId })).janus, 'success');
      assert.ok(await echoes(moved, sessionId, handleId));
    } finally {
      await proxy.stop();
    }
  });

  it('SIGTERM drains, then stops: the client is told (1001), the process exits, the session lives on', async () => {
    const leaving = await startProxyProcess(janus, { store: sharedStore(redis), general: { server_name: 'leaving' }, shutdown: { grace_s: GRACE_S } });
    try {
      const client = await clients.connect(leaving.url);
      const { sessionId, handleId } = await echotestHandle(client);
      await leaving.kill('SIGTERM');
      assert.equal((await client.closed).code, 1001);
      const moved = await clients.connect(heir.url);
      assert.equal((await moved.request({ janus: 'claim', session_id: sessionId })).janus, 'success');
      assert.ok(await echoes(moved, sessionId, handleId));
    } finally {
      await leaving.stop();
    }
  });
});
