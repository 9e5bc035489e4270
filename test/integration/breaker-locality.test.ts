// Placement rules end to end on two real Janus servers: a Janus that stops answering (SIGSTOP, its
// TCP connections stay up) opens its circuit breaker and new handles go to the other one at once;
// once it answers again a probe closes the breaker. Locality: clients are placed on the backends of
// their region (from a CIDR rule or a handshake header), even when those are busier.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';
import { handleCounts } from '../support/cluster-helpers.js';
import { pollUntil } from '../support/processes.js';

const ECHOTEST = 'janus.plugin.echotest';
const REQUEST_TIMEOUT_MS = 400;
const BREAKER_OPEN_MS = 1_500;

type Decision = { chosen?: string; candidates: { name: string; reason?: string }[] };

describe('placement rules with real Janus servers', () => {
  let janus: JanusInstance[];
  const proxies: TestProxy[] = [];
  const clients: JanusTestClient[] = [];

  before(async () => { janus = await startJanusCluster(2, { netns: false, plugins: ['echotest'] }); });
  after(async () => {
    for (const j of janus) process.kill(j.pid, 'SIGCONT');
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(janus.map((j) => j.stop()));
  });

  async function proxyWith(backends: Record<string, unknown>): Promise<{ proxy: TestProxy; admin: AdminClient }> {
    const proxy = await startTestProxy(janus, { backends: { spare_sessions: 0, ...backends } });
    proxies.push(proxy);
    return { proxy, admin: new AdminClient(proxy.adminUrl!, TEST_ADMIN_TOKEN) };
  }

  async function connect(url: string, headers: Record<string, string> = {}): Promise<JanusTestClient> {
    const client = await JanusTestClient.connect(url, 'janus-protocol', {}, headers);
    clients.push(client);
    return client;
  }

  async function lastDecision(admin: AdminClient): Promise<Decision> {
    const { decisions } = await admin.ok<{ decisions: Decision[] }>('GET', '/placement/explain?limit=1');
    assert.ok(decisions[0]);
    return decisions[0];
  }

  it('opens the breaker of a Janus that stops answering, places around it, and closes it once it answers', { timeout: 60_000 }, async () => {
    const { proxy, admin } = await proxyWith({
      request_timeout_ms: REQUEST_TIMEOUT_MS, ping_interval_ms: 0, breaker_failures: 2, breaker_open_ms: BREAKER_OPEN_MS,
    });
    const [frozen, healthy] = janus as [JanusInstance, JanusInstance];
    const client = await connect(proxy.url);
    const session = await client.createSession();
    process.kill(frozen.pid, 'SIGSTOP');
    try {
      // Requests to the frozen Janus time out; each attach then goes on to the healthy one.
      for (let i = 0; i < 2; i++) await client.attach(session, ECHOTEST);
      const view = await admin.ok<{ breaker: string; unselectable_reason?: string }>('GET', `/backend_servers/${frozen.name}`);
      assert.equal(view.breaker, 'open', JSON.stringify(view));
      const before = await handleCounts([healthy]);
      const startedAt = Date.now();
      await client.attach(session, ECHOTEST);
      assert.ok(Date.now() - startedAt < REQUEST_TIMEOUT_MS, 'no request waits on the frozen Janus any more');
      assert.equal((await handleCounts([healthy]))[0], (before[0] ?? 0) + 1);
      const decision = await lastDecision(admin);
      assert.equal(decision.chosen, healthy.name);
      assert.equal(decision.candidates.find((c) => c.name === frozen.name)?.reason, 'circuit breaker open');
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
    // Half-open after breaker_open_ms: the least-loaded frozen-no-more Janus gets a probe handle, which works.
    await pollUntil('a handle placed on the recovered Janus', async () => {
      await client.attach(session, ECHOTEST);
      return (await lastDecision(admin)).chosen === frozen.name ? true : undefined;
    }, BREAKER_OPEN_MS * 4, 200);
    const view = await admin.ok<{ breaker: string }>('GET', `/backend_servers/${frozen.name}`);
    assert.equal(view.breaker, 'closed');
  });

  it('places a client on its region\'s backend (CIDR rule, or header hint), even a busier one', async () => {
    const { proxy, admin } = await proxyWith({
      locality: { headers: { region: 'X-Client-Region' }, rules: [{ cidr: '127.0.0.1/32', region: 'us' }] },
    });
    const [eu, us] = janus as [JanusInstance, JanusInstance];
    const report = async (busy: JanusInstance): Promise<void> => {
      for (const [j, region] of [[eu, 'eu'], [us, 'us']] as const) {
        await admin.ok('POST', '/sentinel_callback', { name: j.name, url: j.wsUrl, status: 'up', sessions: 0, handles: j === busy ? 800 : 0, region });
      }
    };
    const place = async (client: JanusTestClient, n: number): Promise<number[]> => {
      const before = await handleCounts(janus);
      const session = await client.createSession();
      for (let i = 0; i < n; i++) await client.attach(session, ECHOTEST);
      const after = await handleCounts(janus);
      return after.map((count, i) => count - (before[i] ?? 0));
    };
    // Each time the client's region is the busier one: least_loaded alone would place it elsewhere.
    await report(us);
    assert.deepEqual(await place(await connect(proxy.url), 3), [0, 3], 'loopback clients are in region us (rule)');
    await report(eu);
    assert.deepEqual(await place(await connect(proxy.url, { 'X-Client-Region': 'eu' }), 3), [3, 0], 'the header wins over the rule');
  });
});
