// Liveness details against a real Janus: a pong slower than overload_rtt_ms reports `overloaded`
// (and `up` once pongs are quick again); Janus's own `info` gives the version and plugins reported.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ReportReceiver } from '../support/report-receiver.js';
import { startTestSentinel, type TestSentinel } from '../support/sentinel-fixture.js';

const PROXY_TOKEN = 'proxy-sentinel-token';
/** Long enough that a ping sent during it (every 200 ms) waits well over the 300 ms threshold. */
const STALL_MS = 700;

describe('sentinel liveness', () => {
  let receiver: ReportReceiver;
  let t: TestSentinel;

  before(async () => {
    receiver = await ReportReceiver.start(PROXY_TOKEN);
    t = await startTestSentinel({
      proxies: [{ url: receiver.url, token: PROXY_TOKEN }],
      plugins: ['echotest', 'videoroom'],
      config: { monitor: { ping_interval_ms: 200, ping_timeout_ms: 1_500, overload_rtt_ms: 300 } },
    });
  });
  after(async () => {
    await t.stop({ drain: false });
    await receiver.close();
  });

  it('reports the version and plugins Janus announces', async () => {
    const { report } = await receiver.waitFor((r) => r.status === 'up', 10_000);
    assert.equal(report.janus_version, '1.1.2');
    assert.deepEqual(report.plugins, ['janus.plugin.echotest', 'janus.plugin.videoroom']);
  });

  it('a slow pong reports `overloaded`, quick pongs `up` again', async () => {
    const since = receiver.mark();
    const pid = t.pid()!;
    process.kill(pid, 'SIGSTOP');
    // A deliberate stall of Janus (not a wait for a result): pings pile up unanswered meanwhile.
    await new Promise((resolve) => setTimeout(resolve, STALL_MS));
    process.kill(pid, 'SIGCONT');
    const [slow] = await receiver.waitForSequence(['overloaded', 'up'], 5_000, since);
    assert.ok(!receiver.statuses(since).includes('down'), 'slow is not dead');
    assert.ok(slow);
  });
});
