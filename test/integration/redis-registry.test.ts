// Two proxies sharing a real Redis registry: a backend added through one is used by the other,
// drains apply cluster-wide, and a restarted proxy finds the dynamic backends again.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';
import { handleCounts } from '../support/cluster-helpers.js';
import { pollUntil } from '../support/processes.js';

type View = { name: string; connected: boolean; effective_status: string; source: string };

describe('backend registry in Redis', () => {
  let janus: JanusInstance;
  let redis: RedisInstance;
  const proxies: TestProxy[] = [];

  before(async () => {
    [janus, redis] = await Promise.all([startJanus({ netns: false, plugins: ['echotest'] }), startRedis()]);
  });
  after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await janus.stop();
    await redis.stop();
  });

  async function proxy(): Promise<TestProxy> {
    const p = await startTestProxy([], { store: { type: 'redis', redis_url: redis.url, key_prefix: 'jc-test:' }, janus_server: [] });
    proxies.push(p);
    return p;
  }

  it('shares dynamic backends between proxies and keeps them across a restart', async () => {
    const a = await proxy();
    const b = await proxy();
    const adminA = new AdminClient(a.adminUrl!, TEST_ADMIN_TOKEN);
    const adminB = new AdminClient(b.adminUrl!, TEST_ADMIN_TOKEN);

    await adminA.ok('POST', '/backend_servers', { name: 'shared', url: janus.wsUrl });
    await pollUntil('proxy B connects to the backend added through proxy A', async () => {
      const view = (await adminB.request('GET', '/backend_servers/shared')).body as View;
      return view.connected ? true : undefined;
    }, 10_000);

    const client = await JanusTestClient.connect(b.url);
    try {
      const before = await handleCounts([janus]);
      await client.attach(await client.createSession(), 'janus.plugin.echotest');
      assert.equal((await handleCounts([janus]))[0], (before[0] ?? 0) + 1, 'proxy B places on it');
    } finally {
      await client.close();
    }

    await adminA.ok('POST', '/backend_servers/shared/drain');
    await pollUntil('the drain reaches proxy B', async () => {
      const view = (await adminB.request('GET', '/backend_servers/shared')).body as View;
      return view.effective_status === 'draining' ? true : undefined;
    }, 5_000);

    await b.stop();
    proxies.splice(proxies.indexOf(b), 1);
    const restarted = await proxy();
    const adminR = new AdminClient(restarted.adminUrl!, TEST_ADMIN_TOKEN);
    const views = await adminR.ok<View[]>('GET', '/backend_servers');
    assert.deepEqual(views.map((v) => [v.name, v.source, v.effective_status]), [['shared', 'rest', 'draining']]);

    await adminA.ok('DELETE', '/backend_servers/shared');
    await pollUntil('the removal reaches the restarted proxy', async () => ((await adminR.request('GET', '/backend_servers/shared')).status === 404 ? true : undefined), 5_000);
  });
});
