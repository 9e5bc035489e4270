// The admin REST API of a proxy in front of real Janus servers: every route, authentication,
// validation, sentinel reports (ours and the original's form-encoded ones), drain and removal.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';

const SENTINEL_TOKEN = 'sentinel-token-1';
type View = { name: string; url: string; status: string; effective_status: string; selectable: boolean; unselectable_reason?: string; connected: boolean; source: string; sessions?: number };

describe('admin REST API', () => {
  let janus: JanusInstance[];
  let proxy: TestProxy;
  let admin: AdminClient;

  before(async () => {
    janus = await Promise.all([startJanus({ netns: false, plugins: ['echotest'] }), startJanus({ netns: false, plugins: ['echotest'] })]);
    proxy = await startTestProxy([janus[0]!], { admin_api: { sentinel_tokens: [SENTINEL_TOKEN] } });
    admin = new AdminClient(proxy.adminUrl!, TEST_ADMIN_TOKEN);
  });
  after(async () => {
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  it('requires the bearer token everywhere but health and the API document', async () => {
    for (const [method, path] of [['GET', '/info'], ['GET', '/ping'], ['GET', '/backend_servers'], ['GET', '/placement/explain'], ['POST', '/sentinel_callback']] as const) {
      assert.equal((await admin.request(method, path, undefined, { token: null })).status, 401, `${method} ${path} without token`);
      const wrong = await admin.request(method, path, undefined, { token: 'not-the-token' });
      assert.deepEqual(wrong, { status: 403, body: { code: 403, reason: 'Invalid token' } });
    }
    assert.equal((await admin.request('GET', '/backend_servers', undefined, { token: SENTINEL_TOKEN })).status, 403, 'a sentinel token is not an admin token');
    assert.deepEqual(await admin.request('GET', '/healthz', undefined, { token: null }), { status: 200, body: { status: 'ok' } });
    assert.equal((await admin.request('GET', '/readyz', undefined, { token: null })).status, 200);
    const doc = await admin.request('GET', '/openapi.json', undefined, { token: null });
    assert.equal((doc.body as { openapi: string }).openapi, '3.1.0');
    assert.ok(Object.keys((doc.body as { paths: object }).paths).includes('/backend_servers/{name}/drain'));
  });

  it('info, ping and unknown routes', async () => {
    const info = await admin.ok<{ janus: string; plugins: object }>('GET', '/info');
    assert.equal(info.janus, 'server_info');
    assert.ok('janus.plugin.echotest' in info.plugins);
    assert.equal(await admin.ok('GET', '/ping'), 'pong');
    assert.deepEqual(await admin.request('GET', '/nowhere'), { status: 404, body: { code: 404, reason: 'No route GET /nowhere' } });
  });

  it('lists, reads, adds, drains and removes backends', async () => {
    const [first] = await admin.ok<View[]>('GET', '/backend_servers');
    assert.equal(first?.name, janus[0]!.name);
    assert.equal(first.source, 'static');
    assert.equal(first.selectable, true);

    const added = await admin.ok<View>('POST', '/backend_servers', { name: 'extra', url: janus[1]!.wsUrl, location: 'lab', max_sessions: 100 });
    assert.equal(added.source, 'rest');
    await proxy.cluster.waitConnected(10_000);
    const extra = await admin.ok<View>('GET', '/backend_servers/extra');
    assert.equal(extra.connected, true);
    assert.equal(extra.selectable, true);

    const drained = await admin.ok<View>('POST', '/backend_servers/extra/drain');
    assert.equal(drained.effective_status, 'draining');
    assert.equal(drained.unselectable_reason, 'status draining');
    assert.equal((await admin.ok<View>('POST', '/backend_servers/extra/undrain')).selectable, true);

    assert.deepEqual(await admin.ok('DELETE', '/backend_servers/extra'), { removed: 'extra' });
    assert.equal((await admin.request('GET', '/backend_servers/extra')).status, 404);
    assert.equal((await admin.request('DELETE', '/backend_servers/extra')).status, 404);
    assert.equal((await admin.request('POST', '/backend_servers/nope/drain')).status, 404);
  });

  it('rejects malformed bodies with 400 and a reason naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ url: 'ws://x:1' }, /name/],
      [{ name: 'a b', url: 'ws://x:1' }, /name/],
      [{ name: 'ok', url: 'http://x:1' }, /url: a ws:\/\/ or wss:\/\/ URL/],
      [{ name: 'ok', url: 'ws://x:1', status: 'sleepy' }, /status/],
      [{ name: 'ok', url: 'ws://x:1', sessions: -1 }, /sessions/],
      [{ name: 'ok', url: 'ws://x:1', colour: 'red' }, /unknown key\(s\) colour/],
    ];
    for (const [body, reason] of cases) {
      const reply = await admin.request('POST', '/backend_servers', body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match((reply.body as { reason: string }).reason, reason);
    }
    const notJson = await admin.request('POST', '/backend_servers', '{"name":', {});
    assert.equal(notJson.status, 400);
    assert.doesNotMatch(JSON.stringify(notJson.body), /at .*\.js|node_modules/);
  });

  it('takes sentinel reports with a sentinel token, rejects forged ones, and accepts the original format', async () => {
    const report = { name: 'sentinel-1', url: janus[1]!.wsUrl, status: 'up', sessions: 3, handles: 4, cpu_percent: 12.5, expire: 30 };
    const forged = await admin.request('POST', '/sentinel_callback', report, { token: 'forged-token' });
    assert.equal(forged.status, 403);
    assert.equal((await admin.request('GET', '/backend_servers/sentinel-1')).status, 404, 'a forged report changes nothing');

    const stored = await admin.request('POST', '/sentinel_callback', report, { token: SENTINEL_TOKEN });
    assert.equal(stored.status, 200);
    assert.equal((stored.body as View).source, 'sentinel');

    const legacy = new URLSearchParams({ name: 'sentinel-1', url: janus[1]!.wsUrl, status: '2', session_num: '7', handle_num: '9', expire: '60', start_time: '1700000000.5' });
    const viaQuery = await admin.request('POST', `/sentinel_callback?token=${SENTINEL_TOKEN}`, legacy.toString(), { token: null, contentType: 'application/x-www-form-urlencoded' });
    assert.equal(viaQuery.status, 200, JSON.stringify(viaQuery.body));
    const view = await admin.ok<View & { handles: number; start_time: number; cpu_percent: number }>('GET', '/backend_servers/sentinel-1');
    assert.equal(view.status, 'maintenance');
    assert.equal(view.sessions, 7);
    assert.equal(view.handles, 9);
    assert.equal(view.start_time, 1_700_000_000_500);
    assert.equal(view.cpu_percent, 12.5, 'fields the report leaves out keep their values');
    await admin.ok('DELETE', '/backend_servers/sentinel-1');
  });

  it('explains placement decisions', async () => {
    await admin.ok('POST', '/backend_servers', { name: 'drained-one', url: janus[1]!.wsUrl });
    await proxy.cluster.waitConnected(10_000);
    await admin.ok('POST', '/backend_servers/drained-one/drain');
    const client = await JanusTestClient.connect(proxy.url);
    try {
      const session = await client.createSession();
      await client.attach(session, 'janus.plugin.echotest');
    } finally {
      await client.close();
    }
    const { decisions } = await admin.ok<{ decisions: { plugin: string; chosen: string; candidates: { name: string; eligible: boolean; reason?: string; score?: number }[] }[] }>('GET', '/placement/explain?limit=1');
    assert.equal(decisions.length, 1);
    assert.equal(decisions[0]?.plugin, 'janus.plugin.echotest');
    assert.equal(decisions[0].chosen, janus[0]!.name);
    assert.deepEqual(decisions[0].candidates.find((c) => c.name === 'drained-one'), { name: 'drained-one', eligible: false, reason: 'status draining' });
    assert.equal((await admin.request('GET', '/placement/explain?limit=0')).status, 400);
    await admin.ok('DELETE', '/backend_servers/drained-one');
  });
});
