// A sentinel supervising a real Janus and reporting to two proxies (stand-in receivers that check
// the bearer token): every report reaches both; kill -9 → `down` within 3 s, restarted with
// exponential backoff, `up` again; stop → `draining` then `down`, and Janus is gone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ReportReceiver } from '../support/report-receiver.js';
import { startTestSentinel, type TestSentinel } from '../support/sentinel-fixture.js';
import { isAlive, pollUntil } from '../support/processes.js';

const TOKEN_A = 'proxy-a-sentinel-token';
const TOKEN_B = 'proxy-b-sentinel-token';

describe('sentinel supervising a real Janus', () => {
  let a: ReportReceiver;
  let b: ReportReceiver;
  let t: TestSentinel;
  const restartDelaysMs: number[] = [];

  before(async () => {
    [a, b] = await Promise.all([ReportReceiver.start(TOKEN_A), ReportReceiver.start(TOKEN_B)]);
    t = await startTestSentinel({ proxies: [{ url: a.url, token: TOKEN_A }, { url: b.url, token: TOKEN_B }] });
    t.sentinel.process.changed.on((view) => {
      const s = view.supervisor;
      if (view.state === 'backoff' && s?.nextStartAtMs !== undefined && s.lastExit) restartDelaysMs.push(s.nextStartAtMs - s.lastExit.atMs);
    });
  });
  after(async () => {
    await t.stop({ drain: false });
    await Promise.all([a.close(), b.close()]);
  });

  it('reports `up` with the server identity once Janus answers', async () => {
    const [{ report }] = await Promise.all([a.waitFor((r) => r.status === 'up', 10_000), b.waitFor((r) => r.status === 'up', 10_000)]);
    assert.equal(report.name, 'sentinel-test');
    assert.equal(report.url, t.janus.wsUrl);
    assert.equal(report.expire, 5);
    assert.equal(report.janus_version, '1.1.2');
    assert.deepEqual(report.plugins, ['janus.plugin.echotest']);
    const startedAt = t.sentinel.process.view().startedAtMs;
    assert.equal(report.start_time, startedAt);
    assert.equal(a.refused.length + b.refused.length, 0, 'the bearer token was accepted');
  });

  it('kill -9: `down` within 3 s, restarted, `up` again; both proxies get every report', async () => {
    const sinceA = a.mark();
    const sinceB = b.mark();
    const firstPid = t.pid()!;
    const firstStart = t.sentinel.process.view().startedAtMs;
    const killedAt = Date.now();
    process.kill(firstPid, 'SIGKILL');

    const [downA, upA] = await a.waitForSequence(['down', 'up'], 15_000, sinceA);
    const [downB] = await b.waitForSequence(['down', 'up'], 15_000, sinceB);
    assert.ok(downA!.atMs - killedAt < 3_000, `down after ${String(downA!.atMs - killedAt)} ms`);
    assert.ok(downB!.atMs - killedAt < 3_000);
    assert.equal(downA!.report.sessions, undefined, 'no stale load figures while down');

    const view = t.sentinel.process.view();
    assert.notEqual(view.pid, firstPid);
    const supervisor = view.supervisor!;
    assert.equal(supervisor.restarts, 1);
    assert.equal(supervisor.lastExit?.signal, 'SIGKILL');
    assert.notEqual(upA!.report.start_time, firstStart, 'start_time is the new process');
    assert.ok(!isAlive(firstPid));

    // Every report went to both: the same statuses in the same order (periodic ones included).
    await pollUntil('both proxies to have the same number of reports', () => (a.reports.length - sinceA === b.reports.length - sinceB ? true : undefined), 3_000, 20);
    assert.deepEqual(a.statuses(sinceA), b.statuses(sinceB));
  });

  it('backs off exponentially when Janus keeps crashing', async () => {
    await a.waitFor((r) => r.status === 'up', 10_000, a.mark() - 1);
    const since = a.mark();
    process.kill(t.pid()!, 'SIGKILL');
    await a.waitForSequence(['down', 'up'], 15_000, since);
    // First crash: the initial delay; a second one before the run was stable: twice that.
    assert.deepEqual(restartDelaysMs, [300, 600]);
    assert.equal(t.sentinel.process.view().supervisor?.restarts, 2);
  });

  it('on stop reports `draining` then `down` to both proxies and stops Janus', async () => {
    const sinceA = a.mark();
    const sinceB = b.mark();
    const pid = t.pid()!;
    await t.stop();
    await a.waitForSequence(['draining', 'down'], 5_000, sinceA);
    await b.waitForSequence(['draining', 'down'], 5_000, sinceB);
    assert.equal(a.reports.at(-1)?.report.status, 'down', 'the last word is down');
    assert.ok(!isAlive(pid), 'Janus was stopped');
    assert.equal(t.sentinel.process.view().state, 'stopped');
  });
});
