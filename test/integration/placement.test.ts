// Placement over three real Janus servers driven by load reports: a burst before the next report
// is spread fairly (reservations), least_loaded fills the emptiest backend first, and backends at
// capacity are skipped.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';
import { handleCounts } from '../support/cluster-helpers.js';

describe('placement with load reports', () => {
  let janus: JanusInstance[];
  let proxy: TestProxy;
  let admin: AdminClient;
  const clients: JanusTestClient[] = [];

  before(async () => {
    janus = await startJanusCluster(3, { netns: false, plugins: ['echotest'] });
    proxy = await startTestProxy(janus, { backends: { spare_sessions: 0 } });
    admin = new AdminClient(proxy.adminUrl!, TEST_ADMIN_TOKEN);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  /** One load report per backend, then none: the figures stay frozen during the test. */
  async function reportAll(extra: Record<string, unknown>[]): Promise<void> {
    for (const [i, j] of janus.entries()) {
      await admin.ok('POST', '/sentinel_callback', { name: j.name, url: j.wsUrl, status: 'up', sessions: 0, handles: 0, ...extra[i] });
    }
  }

  /** `sessions` × 10 concurrent attaches from a new client: how many landed on each backend. */
  async function burst(sessions: number): Promise<number[]> {
    const before = await handleCounts(janus);
    const client = await JanusTestClient.connect(proxy.url);
    clients.push(client);
    const ids = await Promise.all(Array.from({ length: sessions }, () => client.createSession()));
    await Promise.all(ids.flatMap((s) => Array.from({ length: 10 }, () => client.attach(s, 'janus.plugin.echotest'))));
    const after = await handleCounts(janus);
    return after.map((n, i) => n - (before[i] ?? 0));
  }

  it('spreads a burst of 100 attaches over 3 backends fairly before the next report', async () => {
    await reportAll([{}, {}, {}]);
    const placed = await burst(10);
    assert.equal(placed.reduce((a, n) => a + n, 0), 100);
    for (const n of placed) assert.ok(n >= 29 && n <= 37, `each backend got 33 ± 4: ${JSON.stringify(placed)}`);
  });

  it('least_loaded fills the emptiest backend first (round_robin would split the burst evenly)', async () => {
    // Reported loads 0 / 40 / 80 handles: 60 new handles even the loads out (about 50 / 10 / 0).
    await reportAll([{}, { handles: 40, sessions: 40 }, { handles: 80, sessions: 80 }]);
    const placed = await burst(6);
    assert.ok((placed[0] ?? 0) >= 40 && (placed[1] ?? 0) <= 20 && (placed[2] ?? 0) <= 5, `placed ${JSON.stringify(placed)}`);
  });

  it('skips a backend at its max sessions, and tells the client clearly when all are full', async () => {
    await reportAll([{ sessions: 50, max_sessions: 50 }, {}, {}]);
    const before = await handleCounts(janus);
    const client = await JanusTestClient.connect(proxy.url);
    clients.push(client);
    for (let i = 0; i < 6; i++) await client.attach(await client.createSession(), 'janus.plugin.echotest');
    const after = await handleCounts(janus);
    assert.equal(after[0], before[0], 'the full backend got nothing');

    await reportAll([{ sessions: 50, max_sessions: 50 }, { sessions: 9, max_sessions: 9 }, { handles: 500, max_handles: 500 }]);
    const session = await client.createSession();
    const reply = await client.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.echotest' });
    assert.equal(reply.janus, 'error');
    assert.deepEqual(reply.error, { code: 461, reason: "Couldn't attach to plugin: no backend available for 'janus.plugin.echotest'" });
    const { decisions } = await admin.ok<{ decisions: { candidates: { reason?: string }[] }[] }>('GET', '/placement/explain?limit=1');
    assert.deepEqual(decisions[0]?.candidates.map((c) => c.reason), ['at capacity (50/50 sessions)', 'at capacity (9/9 sessions)', 'at capacity (500/500 handles)']);
  });
});
