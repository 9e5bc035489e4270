// Load figures of a real Janus as the sentinel measures them: sessions and handles from the Admin
// API (counted right, reported at once when they change), CPU and memory of the Janus process from
// /proc, and the load score against the configured capacity (full → `overloaded`).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ReportReceiver } from '../support/report-receiver.js';
import { startTestSentinel, type TestSentinel } from '../support/sentinel-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';

const PROXY_TOKEN = 'proxy-sentinel-token';

describe('sentinel load figures', () => {
  let receiver: ReportReceiver;
  let t: TestSentinel;

  before(async () => {
    receiver = await ReportReceiver.start(PROXY_TOKEN);
    t = await startTestSentinel({
      proxies: [{ url: receiver.url, token: PROXY_TOKEN }],
      // A long periodic interval: the reports this test waits for can only be the immediate ones.
      config: { janus: { capacity: { max_handles: 4, max_sessions: 100 } }, report: { interval_ms: 30_000, expire_s: 60 } },
    });
    await receiver.waitFor((r) => r.status === 'up', 10_000);
  });
  after(async () => {
    await t.stop({ drain: false });
    await receiver.close();
  });

  it('measures an idle Janus: no sessions, its memory and CPU', async () => {
    await t.sentinel.sampleLoad();
    const load = await t.sentinel.sampleLoad();
    assert.equal(load.sessions, 0);
    assert.equal(load.handles, 0);
    assert.ok((load.memory_bytes ?? 0) > 1_000_000, `memory ${String(load.memory_bytes)}`);
    assert.equal(typeof load.cpu_percent, 'number');
    assert.ok(load.cpu_percent! >= 0 && load.cpu_percent! < 100);
    assert.ok(load.load_score !== undefined && load.load_score < 0.5);
  });

  it('counts sessions and handles right and reports a change at once; full capacity is `overloaded`', async () => {
    const client = await JanusTestClient.connect(t.janus.wsUrl);
    try {
      let since = receiver.mark();
      const s1 = await client.createSession();
      const s2 = await client.createSession();
      await client.createSession(); // no handles
      await client.attach(s1, 'echotest');
      await client.attach(s1, 'echotest');
      await client.attach(s2, 'echotest');
      const { report } = await receiver.waitFor((r) => r.sessions === 3 && r.handles === 3, 5_000, since);
      assert.equal(report.status, 'up');
      assert.equal(report.max_handles, 4);
      assert.ok(report.load_score! >= 0.75 && report.load_score! < 1);

      since = receiver.mark();
      await client.attach(s2, 'echotest');
      const full = await receiver.waitFor((r) => r.handles === 4, 5_000, since);
      assert.equal(full.report.load_score, 1);
      await receiver.waitFor((r) => r.status === 'overloaded', 5_000, since);
    } finally {
      const since = receiver.mark();
      await client.close(); // Janus destroys the sessions of a closed socket
      const idle = await receiver.waitFor((r) => r.sessions === 0, 5_000, since);
      assert.equal(idle.report.handles, 0);
      await receiver.waitFor((r) => r.status === 'up', 5_000, since);
    }
  });
});
