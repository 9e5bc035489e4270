// The sentinel's REST API against a supervised real Janus: bearer-token auth on everything but
// /healthz, maintenance on and off, a drain that waits for the last handle and then stops Janus,
// undrain, and restart — each visible in the reports a proxy receives.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ReportReceiver } from '../support/report-receiver.js';
import { startTestSentinel, JANUS_ADMIN_SECRET, type TestSentinel } from '../support/sentinel-fixture.js';
import { JanusTestClient, adminRequest } from '../support/janus-client.js';
import { isAlive, pollUntil } from '../support/processes.js';

const PROXY_TOKEN = 'proxy-sentinel-token';
type Reply = { status: number; body: Record<string, unknown> };

describe('sentinel REST API', () => {
  let receiver: ReportReceiver;
  let t: TestSentinel;

  const call = async (method: string, path: string, body?: unknown, token: string | null = t.token): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${t.restUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const up = (since: number): Promise<unknown> => receiver.waitFor((r) => r.status === 'up', 10_000, since);

  before(async () => {
    receiver = await ReportReceiver.start(PROXY_TOKEN);
    t = await startTestSentinel({ proxies: [{ url: receiver.url, token: PROXY_TOKEN }] });
    await up(0);
  });
  after(async () => {
    await t.stop({ drain: false });
    await receiver.close();
  });

  it('serves Prometheus metrics of Janus and its supervision', async () => {
    const denied = await fetch(`${t.restUrl}/metrics`);
    assert.equal(denied.status, 401);
    const res = await fetch(`${t.restUrl}/metrics`, { headers: { authorization: `Bearer ${t.token}` } });
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.match(text, /^janus_cloud_sentinel_status\{status="up"\} 1$/m);
    assert.match(text, /^janus_cloud_sentinel_janus_restarts_total 0$/m);
    assert.match(text, /^janus_cloud_sentinel_ping_rtt_seconds [0-9.e-]+$/m);
    assert.match(text, /^janus_cloud_sentinel_janus_sessions \d+$/m);
  });

  it('answers /healthz openly and everything else only with the token', async () => {
    assert.deepEqual(await call('GET', '/healthz', undefined, null), { status: 200, body: { ok: true } });
    for (const [method, path] of [['GET', '/info'], ['POST', '/maintenance'], ['POST', '/drain'], ['POST', '/restart']] as const) {
      assert.deepEqual(await call(method, path, undefined, null), { status: 401, body: { code: 401, reason: 'missing bearer token' } }, `${method} ${path}`);
      assert.deepEqual(await call(method, path, undefined, 'wrong-token-123'), { status: 403, body: { code: 403, reason: 'wrong bearer token' } }, `${method} ${path}`);
    }
    assert.equal((await call('GET', '/nowhere')).body.code, 404);
    assert.equal(receiver.statuses().includes('maintenance'), false, 'refused requests changed nothing');
  });

  it('shows its state in /info', async () => {
    const { status, body } = await call('GET', '/info');
    assert.equal(status, 200);
    assert.equal(body.name, 'sentinel-test');
    assert.equal(body.status, 'up');
    assert.deepEqual((body.process as { mode: string; pid: number }).mode, 'supervised');
    assert.equal((body.process as { pid: number }).pid, t.pid());
    assert.deepEqual(body.janus, { version: '1.1.2', plugins: ['janus.plugin.echotest'] });
    assert.equal((body.reporting as { ok: boolean }[])[0]?.ok, true);
  });

  it('maintenance on reports `maintenance`, off reports `up`; a bad body is a 400', async () => {
    assert.equal((await call('POST', '/maintenance', { enabled: 'yes' })).body.code, 400);
    let since = receiver.mark();
    const on = await call('POST', '/maintenance', { enabled: true });
    assert.equal(on.body.status, 'maintenance');
    await receiver.waitFor((r) => r.status === 'maintenance', 5_000, since);
    since = receiver.mark();
    await call('POST', '/maintenance', { enabled: false });
    await up(since);
  });

  it('drain: `draining`, no new sessions, waits for the last handle, then stops Janus; undrain brings it back', async () => {
    const client = await JanusTestClient.connect(t.janus.wsUrl);
    try {
      const session = await client.createSession();
      await client.createSession(); // an idle session without handles (like a proxy's spare) does not hold the drain
      const handle = await client.attach(session, 'echotest');
      const pid = t.pid()!;
      const since = receiver.mark();
      assert.equal((await call('POST', '/drain')).status, 202);
      await receiver.waitFor((r) => r.status === 'draining', 5_000, since);
      const info = await adminRequest(t.janus.adminWsUrl, JANUS_ADMIN_SECRET, { janus: 'info' });
      assert.equal(info['accepting-new-sessions'], false);
      const refused = await client.request({ janus: 'create' });
      assert.equal((refused.error as { code: number } | undefined)?.code, 472);

      // Still draining a full report interval later (the handle is still there): Janus keeps running.
      const first = receiver.mark();
      await receiver.waitFor((r) => r.status === 'draining', 5_000, first);
      assert.ok(isAlive(pid));
      assert.equal(receiver.statuses(since).includes('down'), false);

      const beforeDetach = receiver.mark();
      await client.request({ janus: 'detach', session_id: session, handle_id: handle });
      await receiver.waitFor((r) => r.status === 'down', 5_000, beforeDetach);
      await pollUntil('the drain to finish', async () => ((await call('GET', '/info')).body.drain === 'drained' ? true : undefined), 5_000, 50);
      assert.equal(t.sentinel.process.view().state, 'stopped');
      assert.ok(!isAlive(pid));
    } finally {
      await client.close();
    }
    const since = receiver.mark();
    const undrain = await call('POST', '/drain', { enabled: false });
    assert.equal(undrain.status, 200);
    await up(since);
    assert.equal((await call('GET', '/info')).body.drain, 'idle');
  });

  it('restart: `down`, a new Janus process, `up`', async () => {
    const pid = t.pid();
    const since = receiver.mark();
    const reply = await call('POST', '/restart');
    assert.equal(reply.status, 200);
    await receiver.waitForSequence(['down', 'up'], 10_000, since);
    assert.notEqual(t.pid(), pid);
    assert.ok(pid === undefined || !isAlive(pid));
  });

  it('refuses operations once the sentinel is stopping', async () => {
    const stopping = t.stop({ drain: false });
    assert.equal((await call('POST', '/maintenance', { enabled: true })).body.code, 503);
    await stopping;
  });
});
