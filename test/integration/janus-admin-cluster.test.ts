// The Janus Admin API over the whole cluster: two proxy processes sharing a real Redis in front of a
// real Janus, each with its own Janus Admin API. Either one lists every session of the cluster,
// lists the handles of a session the other proxy holds and answers handle_info for it from the
// handle's Janus (with the client's ids), as decision 15 describes: from the session records.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { adminRequest } from '../support/janus-client.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { sharedStore, TestClients } from '../support/shared-store-proxies.js';
import { echotestHandle } from '../support/cluster-helpers.js';
import { freePort } from '../support/processes.js';
import { TEST_ADMIN_TOKEN } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';

const SECRET = 'cluster-admin-secret';

describe('the Janus Admin API of any proxy covers the sessions of every proxy', { timeout: 90_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  const proxies: { process: ProxyProcess; adminWs: string; rest: AdminClient }[] = [];
  const clients = new TestClients();

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(1, { netns: false, plugins: ['echotest'] })]);
    for (const name of ['proxy-a', 'proxy-b']) {
      const [port, restPort] = [await freePort(), await freePort()];
      const process = await startProxyProcess(janus, {
        store: sharedStore(redis),
        general: { server_name: name, admin_secret: SECRET },
        janus_admin: { enabled: true, host: '127.0.0.1', port },
        admin_api: { enabled: true, host: '127.0.0.1', port: restPort, token: TEST_ADMIN_TOKEN },
        janus_server: janus.map((j) => ({ name: j.name, url: j.wsUrl, admin_url: j.adminWsUrl, admin_secret: j.adminSecret })),
      });
      proxies.push({ process, adminWs: `ws://127.0.0.1:${String(port)}`, rest: new AdminClient(`http://127.0.0.1:${String(restPort)}`, TEST_ADMIN_TOKEN) });
    }
  });
  after(async () => {
    await clients.closeAll();
    await Promise.all(proxies.map((p) => p.process.stop()));
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  it('list_sessions, list_handles and handle_info (and REST /sessions) answer for a session another proxy holds', async () => {
    const [a, b] = proxies as [(typeof proxies)[0], (typeof proxies)[0]];
    const onA = await echotestHandle(await clients.connect(a.process.url));
    const onB = await echotestHandle(await clients.connect(b.process.url));

    for (const proxy of [a, b]) {
      const listed = await adminRequest(proxy.adminWs, SECRET, { janus: 'list_sessions' });
      const ids = listed.sessions as number[];
      assert.ok(ids.includes(onA.sessionId) && ids.includes(onB.sessionId), `both sessions listed: ${JSON.stringify(listed)}`);
    }
    const handles = await adminRequest(b.adminWs, SECRET, { janus: 'list_handles', session_id: onA.sessionId });
    assert.deepEqual(handles.handles, [onA.handleId], JSON.stringify(handles));

    const info = await adminRequest(b.adminWs, SECRET, { janus: 'handle_info', session_id: onA.sessionId, handle_id: onA.handleId });
    assert.equal(info.janus, 'success', JSON.stringify(info));
    const details = info.info as { session_id: number; handle_id: number; backend: string; plugin: string };
    assert.deepEqual([details.session_id, details.handle_id, details.backend, details.plugin], [onA.sessionId, onA.handleId, janus[0]!.name, 'janus.plugin.echotest']);

    // Destroying is for the proxy that holds the session: a clear error, not a silent no-op.
    const destroyed = await adminRequest(b.adminWs, SECRET, { janus: 'destroy_session', session_id: onA.sessionId });
    assert.equal((destroyed.error as { code: number; reason: string }).code, 490, JSON.stringify(destroyed));
    assert.match((destroyed.error as { reason: string }).reason, /held by proxy proxy-a/);
    // The REST admin API of either proxy lists both sessions, each with the proxy holding it and its handles' backends.
    type Listed = { session_id: number; proxy?: string; handles: { handle_id: number; backend: string | null }[] };
    const { sessions } = await b.rest.ok<{ sessions: Listed[] }>('GET', '/sessions');
    const fromA = sessions.find((x) => x.session_id === onA.sessionId);
    const fromB = sessions.find((x) => x.session_id === onB.sessionId);
    assert.match(fromA?.proxy ?? '', /^proxy-a-/, JSON.stringify(sessions));
    assert.match(fromB?.proxy ?? '', /^proxy-b-/);
    assert.deepEqual(fromA?.handles.map((h) => [h.handle_id, h.backend]), [[onA.handleId, janus[0]!.name]]);
    // A session that exists nowhere is still 458.
    const none = await adminRequest(b.adminWs, SECRET, { janus: 'list_handles', session_id: 424242 });
    assert.equal((none.error as { code: number }).code, 458);
  });
});
