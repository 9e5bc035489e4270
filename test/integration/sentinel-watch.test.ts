// Watch mode: the sentinel reports on a Janus it did not start (known by a pid file). It follows
// the process across restarts by someone else, refuses /restart, and on stop reports `down`
// without touching that Janus.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReportReceiver } from '../support/report-receiver.js';
import { startTestSentinel, type TestSentinel } from '../support/sentinel-fixture.js';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { isAlive } from '../support/processes.js';

const PROXY_TOKEN = 'proxy-sentinel-token';

describe('sentinel watching a Janus it did not start', () => {
  let receiver: ReportReceiver;
  let janus: JanusInstance;
  let t: TestSentinel;
  let pidFile: string;

  before(async () => {
    receiver = await ReportReceiver.start(PROXY_TOKEN);
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    pidFile = join(janus.dir, 'janus.pid');
    writeFileSync(pidFile, `${String(janus.pid)}\n`);
    t = await startTestSentinel({
      proxies: [{ url: receiver.url, token: PROXY_TOKEN }],
      supervise: false,
      config: {
        janus: { server_name: undefined, public_url: 'wss://janus.example.net:443', ws_url: janus.wsUrl, admin_ws_url: janus.adminWsUrl, admin_secret: janus.adminSecret },
        process: { pid_file: pidFile },
        // The production ping settings, so the hang test checks the 3 s promise as shipped.
        monitor: { ping_interval_ms: 1_000, ping_timeout_ms: 1_500 },
      },
    });
  });
  after(async () => {
    await t.stop({ drain: false });
    await janus.stop();
    await receiver.close();
  });

  it('reports it `up` under a stable name derived from host and port, with its public wss URL', async () => {
    const { report } = await receiver.waitFor((r) => r.status === 'up', 10_000);
    const port = new URL(janus.wsUrl).port;
    assert.match(report.name, new RegExp(`^[\\w.-]+-${port}$`));
    assert.equal(report.url, 'wss://janus.example.net:443');
    assert.equal(t.sentinel.process.view().mode, 'watched');
    assert.equal(t.sentinel.process.view().pid, janus.pid);
    // The start time comes from /proc: the fixture started it a moment ago.
    assert.ok(Math.abs((report.start_time ?? 0) - Date.now()) < 60_000, `start_time ${String(report.start_time)}`);
  });

  it('refuses /restart: the process is not its to restart', async () => {
    const res = await fetch(`${t.restUrl}/restart`, { method: 'POST', headers: { authorization: `Bearer ${t.token}` } });
    assert.equal(res.status, 409);
    assert.deepEqual(await res.json(), { code: 409, reason: 'this sentinel does not run Janus (watch mode), so it cannot restart it' });
  });

  it('a hung Janus (SIGSTOP) is `down` within 3 s, `up` again when it resumes', async () => {
    await receiver.waitFor((r) => r.status === 'up', 10_000);
    const since = receiver.mark();
    const stoppedAt = Date.now();
    process.kill(janus.pid, 'SIGSTOP');
    try {
      const down = await receiver.waitFor((r) => r.status === 'down', 4_000, since);
      assert.ok(down.atMs - stoppedAt < 3_000, `down after ${String(down.atMs - stoppedAt)} ms`);
    } finally {
      process.kill(janus.pid, 'SIGCONT');
    }
    await receiver.waitFor((r) => r.status === 'up', 10_000, since);
  });

  it('follows a crash and a restart by someone else', async () => {
    const since = receiver.mark();
    const firstStart = receiver.reports.at(-1)?.report.start_time;
    const killedAt = Date.now();
    await janus.kill('SIGKILL');
    const down = await receiver.waitFor((r) => r.status === 'down', 3_000, since);
    assert.ok(down.atMs - killedAt < 3_000);
    await janus.restart();
    writeFileSync(pidFile, `${String(janus.pid)}\n`);
    const up = await receiver.waitFor((r) => r.status === 'up' && r.start_time !== firstStart, 10_000, since);
    assert.ok(up.report.start_time! >= firstStart!);
    assert.equal(t.sentinel.process.view().pid, janus.pid);
  });

  it('on stop reports `down` and leaves Janus running', async () => {
    const since = receiver.mark();
    await t.stop();
    await receiver.waitFor((r) => r.status === 'down', 5_000, since);
    assert.equal(receiver.statuses(since).includes('draining'), false, 'no drain of a Janus that is not ours');
    assert.ok(isAlive(janus.pid));
  });
});
