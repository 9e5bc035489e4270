// A sentinel recycles the Janus it supervises once that Janus's open file descriptors reach
// recycle.fd_percent of its soft RLIMIT_NOFILE (Janus 1.1.2 leaks the sockets of VideoRoom copies
// until it restarts). To cross the threshold without waiting for a leak, Janus is started through
// `prlimit --nofile=256:256 --` (prlimit sets the limit and execs Janus: same pid, a real limit
// Janus runs under) and the test opens WebSocket connections to its Janus API, one fd each in Janus.
// Supervised: `draining` while a handle remains, then stopped and started again (new pid, fds back
// down, reachable, `up`); an operator's drain during a recycle keeps Janus drained until undrained.
// Watched: only reported, nothing stopped.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { ReportReceiver } from '../support/report-receiver.js';
import { startTestSentinel, startWatchingSentinel, type TestSentinel } from '../support/sentinel-fixture.js';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { isAlive, pollUntil } from '../support/processes.js';

const PROXY_TOKEN = 'proxy-sentinel-token';
const FD_LIMIT = 256;
const FD_PERCENT = 50;
const THRESHOLD_FDS = (FD_LIMIT * FD_PERCENT) / 100;

type Info = {
  status: string;
  drain: string;
  process: { pid: number | null };
  load: { open_fds?: number; max_fds?: number };
  recycle: { fd_percent: number; state: string; over_threshold: boolean; count: number; fd_share_percent: number | null; last: { restarted: boolean; drain_reason: string; open_fds: number; max_fds: number | null } | null };
};

async function getInfo(t: TestSentinel): Promise<Info> {
  const res = await fetch(`${t.restUrl}/info`, { headers: { authorization: `Bearer ${t.token}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as Info;
}

async function metric(t: TestSentinel, name: string): Promise<number | undefined> {
  const res = await fetch(`${t.restUrl}/metrics`, { headers: { authorization: `Bearer ${t.token}` } });
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** `count` idle WebSocket connections to a Janus API: each holds one fd in Janus. */
async function openSockets(wsUrl: string, count: number): Promise<JanusTestClient[]> {
  const clients: JanusTestClient[] = [];
  for (let i = 0; i < count; i++) clients.push(await JanusTestClient.connect(wsUrl));
  return clients;
}

async function closeAll(clients: JanusTestClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close()));
}

/** A sentinel supervising Janus under `prlimit --nofile=FD_LIMIT`, recycling at FD_PERCENT; a receiver stands in for the proxies. */
async function startRecycling(minIntervalMs: number): Promise<{ receiver: ReportReceiver; t: TestSentinel }> {
  const receiver = await ReportReceiver.start(PROXY_TOKEN);
  const t = await startTestSentinel({
    proxies: [{ url: receiver.url, token: PROXY_TOKEN }],
    commandPrefix: ['prlimit', `--nofile=${String(FD_LIMIT)}:${String(FD_LIMIT)}`, '--'],
    config: { recycle: { fd_percent: FD_PERCENT, min_interval_ms: minIntervalMs }, drain: { timeout_ms: 30_000, poll_interval_ms: 100 } },
  });
  await receiver.waitFor((r) => r.status === 'up', 10_000);
  return { receiver, t };
}

async function stopRecycling(receiver: ReportReceiver | undefined, t: TestSentinel | undefined, clients: JanusTestClient[]): Promise<void> {
  await closeAll(clients);
  await t?.stop({ drain: false });
  await receiver?.close();
}

describe('sentinel recycling a supervised Janus short of file descriptors', () => {
  let receiver: ReportReceiver;
  let t: TestSentinel;
  const clients: JanusTestClient[] = [];

  before(async () => { ({ receiver, t } = await startRecycling(600_000)); });
  after(() => stopRecycling(receiver, t, clients));

  it('measures the open fds and the soft limit of Janus: in /info and /metrics', async () => {
    const load = await t.sentinel.sampleLoad();
    assert.equal(load.max_fds, FD_LIMIT, 'the limit prlimit gave Janus');
    assert.ok(load.open_fds !== undefined && load.open_fds > 3 && load.open_fds < THRESHOLD_FDS, `baseline ${String(load.open_fds)} fds`);
    const info = await getInfo(t);
    assert.equal(info.load.max_fds, FD_LIMIT);
    assert.equal(info.recycle.fd_percent, FD_PERCENT);
    assert.equal(info.recycle.state, 'idle');
    assert.equal(info.recycle.over_threshold, false);
    assert.equal(info.recycle.count, 0);
    assert.ok(info.recycle.fd_share_percent !== null && info.recycle.fd_share_percent < FD_PERCENT);
    assert.equal(await metric(t, 'janus_cloud_sentinel_janus_max_fds'), FD_LIMIT);
    assert.ok((await metric(t, 'janus_cloud_sentinel_janus_open_fds') ?? 0) > 3);
    assert.equal(await metric(t, 'janus_cloud_sentinel_janus_recycles_total'), 0);
  });

  it('at the threshold: drains (waiting for the last handle), then restarts Janus, which is `up` again with few fds', async () => {
    const firstPid = t.pid()!;
    const firstStart = t.sentinel.process.view().startedAtMs;
    const since = receiver.mark();
    // A handle keeps the drain waiting, so the test can look at it before Janus is stopped.
    const user = await JanusTestClient.connect(t.janus.wsUrl);
    clients.push(user);
    const session = await user.createSession();
    await user.attach(session, 'echotest');

    const baseline = (await t.sentinel.sampleLoad()).open_fds!;
    clients.push(...await openSockets(t.janus.wsUrl, THRESHOLD_FDS - baseline + 4));

    // The sampler finds Janus over the threshold on its own (every 300 ms here).
    await receiver.waitFor((r) => r.status === 'draining', 10_000, since);
    const draining = await getInfo(t);
    assert.equal(draining.recycle.state, 'draining');
    assert.equal(draining.drain, 'draining');
    assert.equal(draining.process.pid, firstPid, 'still the same Janus while a handle remains');
    assert.ok(isAlive(firstPid));
    // The drain tells Janus to refuse new sessions (right after it reports `draining`).
    await pollUntil('Janus to refuse new sessions', async () => ((await user.request({ janus: 'create' })).janus === 'error' ? true : undefined), 5_000, 100);
    // A periodic report later (1 s, ten drain polls) the handle still holds the drain and Janus runs.
    await receiver.waitFor((r) => r.status === 'draining', 5_000, receiver.mark());
    assert.equal((await t.sentinel.sampleLoad()).handles, 1);
    const stillDraining = await getInfo(t);
    assert.equal(stillDraining.drain, 'draining');
    assert.equal(stillDraining.process.pid, firstPid);

    await user.close(); // the last handle ends with its session
    const [, down, up] = await receiver.waitForSequence(['draining', 'down', 'up'], 20_000, since);
    assert.ok(down && up);
    const newPid = t.pid()!;
    assert.notEqual(newPid, firstPid);
    assert.ok(!isAlive(firstPid), 'the old Janus is gone');
    assert.notEqual(up.report.start_time, firstStart, 'start_time is the new process');

    // Reachable again and accepting sessions (a fresh Janus knows nothing of the drain).
    const again = await JanusTestClient.connect(t.janus.wsUrl);
    clients.push(again);
    assert.equal(typeof await again.createSession(), 'number');

    const load = await t.sentinel.sampleLoad();
    assert.ok(load.open_fds !== undefined && load.open_fds < THRESHOLD_FDS, `fds after the restart: ${String(load.open_fds)}`);
    const info = await getInfo(t);
    assert.equal(info.status, 'up');
    assert.equal(info.drain, 'idle');
    assert.equal(info.recycle.state, 'idle');
    assert.equal(info.recycle.count, 1);
    assert.equal(info.recycle.last?.restarted, true);
    assert.equal(info.recycle.last.drain_reason, 'no_handles');
    assert.ok(info.recycle.last.open_fds >= THRESHOLD_FDS);
    assert.equal(info.recycle.last.max_fds, FD_LIMIT);
    assert.equal(await metric(t, 'janus_cloud_sentinel_janus_recycles_total'), 1);
    assert.equal(t.sentinel.process.view().supervisor?.restarts, 0, 'a recycle is not a crash restart');
  });
});

describe('an operator draining during a recycle', () => {
  let receiver: ReportReceiver;
  let t: TestSentinel;
  const clients: JanusTestClient[] = [];

  before(async () => { ({ receiver, t } = await startRecycling(0)); });
  after(() => stopRecycling(receiver, t, clients));

  it('keeps Janus drained (no restart) until the operator undrains it', async () => {
    const since = receiver.mark();
    const user = await JanusTestClient.connect(t.janus.wsUrl);
    clients.push(user);
    await user.attach(await user.createSession(), 'echotest');
    const baseline = (await t.sentinel.sampleLoad()).open_fds!;
    clients.push(...await openSockets(t.janus.wsUrl, THRESHOLD_FDS - baseline + 4));
    await receiver.waitFor((r) => r.status === 'draining', 10_000, since);
    assert.equal((await getInfo(t)).recycle.state, 'draining');

    const drain = await fetch(`${t.restUrl}/drain`, { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(drain.status, 202);
    await user.close();
    await receiver.waitFor((r) => r.status === 'down', 10_000, since);
    const ended = await pollUntil('the recycle to end', async () => { const i = await getInfo(t); return i.recycle.state === 'idle' ? i : undefined; }, 10_000);
    assert.equal(ended.recycle.last?.restarted, false);
    assert.equal(ended.drain, 'drained');
    // Still stopped a periodic report later: the operator's drain holds, the recycle did not restart it.
    await receiver.waitFor(() => true, 5_000, receiver.mark());
    assert.equal(t.pid(), undefined);
    assert.equal(t.sentinel.process.view().state, 'stopped');
    assert.equal(t.sentinel.status, 'down');

    const sinceUndrain = receiver.mark();
    const undrain = await fetch(`${t.restUrl}/drain`, { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' }, body: '{"enabled":false}' });
    assert.equal(undrain.status, 200);
    await receiver.waitFor((r) => r.status === 'up', 10_000, sinceUndrain);
    const load = await t.sentinel.sampleLoad();
    assert.ok(load.open_fds !== undefined && load.open_fds < THRESHOLD_FDS);
  });
});

describe('sentinel watching a Janus short of file descriptors', () => {
  let receiver: ReportReceiver;
  let janus: JanusInstance;
  let t: TestSentinel;
  let clients: JanusTestClient[] = [];

  before(async () => {
    receiver = await ReportReceiver.start(PROXY_TOKEN);
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    // Someone else's Janus: lower its limit in place (prlimit --pid), as its own service file would.
    execFileSync('prlimit', ['--pid', String(janus.pid), `--nofile=${String(FD_LIMIT)}:${String(FD_LIMIT)}`]);
    t = await startWatchingSentinel(janus, {
      proxies: [{ url: receiver.url, token: PROXY_TOKEN }],
      config: { recycle: { fd_percent: FD_PERCENT, min_interval_ms: 0 } },
    });
    await receiver.waitFor((r) => r.status === 'up', 10_000);
  });
  after(async () => {
    await closeAll(clients);
    await t.stop({ drain: false });
    await janus.stop();
    await receiver.close();
  });

  it('over the threshold it only reports: no drain, Janus untouched and `up`', async () => {
    const since = receiver.mark();
    const baseline = (await t.sentinel.sampleLoad()).open_fds!;
    clients = await openSockets(janus.wsUrl, THRESHOLD_FDS - baseline + 4);
    await pollUntil('the sentinel to see Janus over the threshold', async () => ((await getInfo(t)).recycle.over_threshold ? true : undefined), 5_000, 100);
    // Several more samples, each of which would have started a recycle in supervised mode.
    for (let i = 0; i < 3; i++) await t.sentinel.sampleLoad();
    const info = await getInfo(t);
    assert.equal(info.load.max_fds, FD_LIMIT);
    assert.ok((info.load.open_fds ?? 0) >= THRESHOLD_FDS);
    assert.equal(info.status, 'up');
    assert.equal(info.drain, 'idle');
    assert.equal(info.recycle.state, 'idle');
    assert.equal(info.recycle.count, 0);
    assert.equal(info.process.pid, janus.pid);
    assert.ok(isAlive(janus.pid));
    assert.ok(!receiver.statuses(since).includes('draining'), `statuses ${JSON.stringify(receiver.statuses(since))}`);
    // Janus still takes new sessions: the sentinel never told it to refuse them.
    assert.equal(typeof await clients[0]!.createSession(), 'number');
  });
});
