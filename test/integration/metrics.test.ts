// The proxy's /metrics: valid Prometheus text whose counters move when requests are made.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';

/**
 * Parses the text exposition format strictly enough to catch malformed output. Special values
 * follow Prometheus's own parser (Go's ParseFloat): case-insensitive, so prom-client's `Nan`
 * (an event-loop-lag gauge before its first sample) is valid.
 */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|[Nn][Aa][Nn]|[+-][Ii][Nn][Ff])$/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

describe('metrics', () => {
  let janus: JanusInstance;
  let proxy: TestProxy;
  let admin: AdminClient;

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    proxy = await startTestProxy([janus]);
    admin = new AdminClient(proxy.adminUrl!, TEST_ADMIN_TOKEN);
  });
  after(async () => {
    await proxy.stop();
    await janus.stop();
  });

  async function scrape(): Promise<Map<string, number>> {
    const reply = await admin.request('GET', '/metrics');
    assert.equal(reply.status, 200);
    return parseMetrics(String(reply.body));
  }

  it('needs the token and exposes counters that move with requests', async () => {
    assert.equal((await admin.request('GET', '/metrics', undefined, { token: null })).status, 401);
    const before = await scrape();
    const client = await JanusTestClient.connect(proxy.url);
    try {
      const session = await client.createSession();
      await client.attach(session, 'janus.plugin.echotest');
      await client.request({ janus: 'keepalive', session_id: session });
      await client.request({ janus: 'keepalive', session_id: 1234567 });
      const after = await scrape();
      const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      assert.equal(delta('janus_cloud_requests_total{verb="create",result="ok"}'), 1);
      assert.equal(delta('janus_cloud_requests_total{verb="attach",result="ok"}'), 1);
      assert.equal(delta('janus_cloud_requests_total{verb="keepalive",result="ok"}'), 1);
      assert.equal(delta('janus_cloud_requests_total{verb="keepalive",result="458"}'), 1);
      assert.equal(delta(`janus_cloud_placements_total{plugin="janus.plugin.echotest",backend="${janus.name}"}`), 1);
      assert.equal(after.get('janus_cloud_sessions'), 1);
      assert.equal(after.get(`janus_cloud_proxy_info{proxy="${proxy.proxyId}"}`), 1, 'the scrape names the proxy process');
      assert.equal(after.get('janus_cloud_handles'), 1);
      assert.equal(after.get(`janus_cloud_backend_connected{backend="${janus.name}"}`), 1);
      assert.equal(after.get(`janus_cloud_backend_status{backend="${janus.name}",status="up"}`), 1);
      assert.ok((after.get('janus_cloud_request_duration_seconds_count{verb="attach"}') ?? 0) >= 1);
      assert.ok(after.has('janus_cloud_event_loop_lag_seconds'));
    } finally {
      await client.close();
    }
  });
});
