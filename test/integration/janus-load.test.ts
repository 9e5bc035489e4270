// The janus-load command run as a process: against one real Janus (network namespace) and through the
// proxy in front of two Janus on a test LAN. Its --json report is parsed and checked (loss and jitter
// per direction: received from our counters, sent from Janus's RTCP receiver reports); broken targets
// give error codes and a non-zero exit; Ctrl-C mid-run still reports and leaves nothing behind.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { readdirSync, readFileSync } from 'node:fs';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { listSessions, sessionsWithHandles } from '../support/cluster-helpers.js';
import { pollUntil, runCli, trackChild, waitForExit } from '../support/processes.js';
import type { Report } from '../../src/load/stats.js';

const SECRET = 'load-secret';

async function load(args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const { code, stdout, stderr } = await runCli('janus-load', [...args, '--json', '-']);
  let report: Report;
  try {
    report = JSON.parse(stdout) as Report;
  } catch {
    assert.fail(`no JSON report (exit ${String(code)}): ${stdout}\n${stderr}`);
  }
  return { code, report, stderr };
}

/** Every peer set up, verified media received, next to no loss, nothing crossed between streams. */
/** `rtcp`: whether Janus had time to send RTCP reports about every stream our peers send (about 1 s). */
function assertHealthy(report: Report, peers: number, { rtcp = true } = {}): void {
  const detail = JSON.stringify(report, null, 1);
  assert.deepEqual(report.peers, { planned: peers, connected: peers, failed: 0, aborted: 0 }, detail);
  assert.ok(report.packets.received > 0, detail);
  assert.ok(report.loss_pct !== null && report.loss_pct < 1, detail);
  assert.equal(report.packets.wrong_stream, 0, detail);
  assert.deepEqual(report.errors, {});
  assert.ok(report.ice_dtls_ms.count === peers && (report.ice_dtls_ms.p50 ?? -1) >= 0, detail);
  assert.ok(report.jitter_ms.count > 0 && (report.jitter_ms.p50 ?? -1) >= 0, detail);
  // The sent direction, from Janus's RTCP receiver reports: every stream we send was reported on.
  const sent = report.directions.sent;
  if (rtcp && report.target.scenario !== 'streaming') {
    assert.ok(sent.streams > 0 && sent.reported_streams === sent.streams, detail);
    assert.ok(sent.loss_pct !== null && sent.loss_pct < 1 && sent.jitter_ms.count === sent.streams, detail);
  }
  // A Streaming feed is plain RTP over UDP: no WebRTC sender, no RTCP about it.
  if (report.target.scenario === 'streaming') assert.equal(sent.streams, 0, detail);
  assert.equal(report.cpu.per_process_pct.length, report.target.workers);
}

/** The load command as a child process, for the Ctrl-C tests: its output and a wait for a stderr line. */
function spawnLoad(args: string[]): { child: ChildProcessByStdio<null, Readable, Readable>; stdout: () => string; waitForStderr: (re: RegExp) => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/janus-load.ts', ...args, '--json', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child, 'janus-load');
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return {
    child,
    stdout: () => out,
    waitForStderr: (re) => pollUntil(`janus-load stderr ${String(re)} (got: ${err})`, () => (re.test(err) ? true : undefined), 60_000, 50).then(() => undefined),
  };
}

/** Processes whose command line holds `marker` (the workers of one run carry its --room-base). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

describe('janus-load against one real Janus', { timeout: 180_000 }, () => {
  let janus: JanusInstance;
  let args: string[];

  before(async () => {
    [janus] = (await startJanusCluster(1, { plugins: ['echotest'], apiSecret: SECRET })) as [JanusInstance];
    args = ['--url', janus.wsUrl, '--ice-address', janus.peerAddress!, '--ramp', '10'];
  });
  after(async () => {
    await janus.stop();
  });

  it('echotest over WebSocket: every peer gets its own media back', async () => {
    const { code, report } = await load([...args, '--apisecret', SECRET, '--peers', '4', '--duration', '3']);
    assertHealthy(report, 4);
    assert.equal(code, 0);
    assert.deepEqual(report.backends, { [janus.host]: 4 });
    assert.equal(report.first_rtp_ms.count, 4);
    assert.ok(report.signalling_ms.create && report.signalling_ms.attach && report.signalling_ms.message);
    const kbps = report.bitrate_kbps.received_per_peer ?? 0;
    assert.ok(kbps > 150 && kbps < 450, `received ${String(kbps)} kbit/s per peer for 300 sent`);
  });

  it('echotest over HTTP long poll', async () => {
    const { code, report } = await load(['--url', janus.httpUrl, '--ice-address', janus.peerAddress!, '--apisecret', SECRET, '--peers', '2', '--duration', '2']);
    assertHealthy(report, 2);
    assert.equal(code, 0);
  });

  it('a wrong apisecret: every peer fails with 403 and the exit status is 1', async () => {
    const { code, report } = await load([...args, '--apisecret', 'wrong', '--peers', '3']);
    assert.equal(code, 1);
    assert.deepEqual(report.peers, { planned: 3, connected: 0, failed: 3, aborted: 0 });
    assert.deepEqual(report.errors, { 403: 3 });
    assert.match(report.failures[0]?.reason ?? '', /^403 /);
  });

  it('no such plugin (videoroom on an echotest-only Janus): 460 for every peer and exit status 1', async () => {
    const { code, report } = await load([...args, '--apisecret', SECRET, '--scenario', 'videoroom', '--publishers', '1', '--subscribers', '2']);
    assert.equal(code, 1);
    assert.equal(report.peers.failed, 3);
    assert.deepEqual(report.errors, { 460: 3 });
  });

  it('loss per direction: 10 % of the sent packets skipped shows in Janus\'s RTCP reports (sent) and in what comes back (received)', async () => {
    const { code, report } = await load([...args, '--apisecret', SECRET, '--peers', '2', '--duration', '4', '--send-loss', '10']);
    const { sent, received } = report.directions;
    const detail = JSON.stringify(report.directions, null, 1);
    assert.equal(code, 0);
    assert.equal(sent.reported_streams, 4, detail);
    // Janus counted the gaps itself: 10 % of what we sent (give or take the packets after its last report).
    assert.ok(sent.loss_pct !== null && sent.loss_pct > 7 && sent.loss_pct < 13, detail);
    assert.ok((sent.fraction_lost_pct.p50 ?? 0) > 5, detail);
    // The EchoTest returns what Janus got: the same gaps in the received direction, from our counters.
    assert.ok(received.loss_pct !== null && received.loss_pct > 7 && received.loss_pct < 13, detail);
    assert.equal(report.loss_pct, received.loss_pct);
  });

  it('Ctrl-C mid-run with two workers: reports, closes every peer and leaves no process behind', async () => {
    const marker = String(2_000_000_000 + Math.floor(Math.random() * 100_000_000));
    const run = spawnLoad([...args, '--apisecret', SECRET, '--peers', '4', '--duration', '120', '--workers', '2', '--room-base', marker]);
    await run.waitForStderr(/\[run\] connected 4/);
    assert.equal(processesWith(marker).length, 3, 'the command and its two workers running');
    run.child.kill('SIGINT');
    assert.ok(await waitForExit(run.child, 30_000), 'janus-load exited after SIGINT');
    assert.equal(run.child.exitCode, 130);
    const report = JSON.parse(run.stdout()) as Report;
    assert.equal(report.interrupted, true);
    assert.equal(report.target.workers, 2);
    assert.deepEqual(report.peers, { planned: 4, connected: 4, failed: 0, aborted: 0 });
    assert.ok(report.packets.received > 0 && report.loss_pct !== null && report.loss_pct < 1, JSON.stringify(report));
    assert.deepEqual(processesWith(marker), []);
    await pollUntil('every session destroyed on Janus', async () => ((await listSessions(janus)).length === 0 ? true : undefined), 10_000);
  });

  it('Ctrl-C during the ramp: peers started so far are closed, the rest never start', async () => {
    const run = spawnLoad([...args, '--apisecret', SECRET, '--peers', '40', '--ramp', '4', '--duration', '60']);
    await run.waitForStderr(/\[ramp [1-9]\d*\/40\]/);
    run.child.kill('SIGINT');
    assert.ok(await waitForExit(run.child, 30_000), 'janus-load exited after SIGINT');
    const report = JSON.parse(run.stdout()) as Report;
    assert.equal(report.interrupted, true);
    assert.equal(report.peers.failed, 0, JSON.stringify(report));
    assert.ok(report.peers.connected + report.peers.aborted < 40, JSON.stringify(report.peers));
    assert.equal(run.child.exitCode, 130);
    await pollUntil('every session destroyed on Janus', async () => ((await listSessions(janus)).length === 0 ? true : undefined), 10_000);
  });
});

describe('janus-load through the proxy in front of two Janus', { timeout: 180_000 }, () => {
  let janus: JanusInstance[];
  let proxy: TestProxy;
  let args: string[];

  before(async () => {
    janus = await startJanusCluster(2, { lan: true, plugins: ['echotest', 'videoroom', 'videocall', 'audiobridge', 'streaming'], videoroom: {} });
    proxy = await startTestProxy(janus);
    args = ['--url', proxy.url, '--ice-address', janus[0]!.peerAddress!, '--ramp', '10'];
  });
  after(async () => {
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  it('echotest: peers spread over both Janus, the split (candidates and the proxy\'s admin API) matching each Janus\'s own list of sessions', async () => {
    const run = spawnLoad([...args, '--peers', '6', '--duration', '120', '--admin-url', proxy.adminUrl!, '--admin-token', TEST_ADMIN_TOKEN]);
    await run.waitForStderr(/\[run\] connected 6/);
    const onJanus = await Promise.all(janus.map(async (j) => (await sessionsWithHandles(j)).length));
    run.child.kill('SIGINT');
    assert.ok(await waitForExit(run.child, 30_000));
    const report = JSON.parse(run.stdout()) as Report;
    // Stopped as soon as every peer is up: Janus may not have sent its first RTCP report yet.
    assertHealthy(report, 6, { rtcp: false });
    assert.deepEqual(janus.map((j) => report.backends[j.host] ?? 0), onJanus);
    assert.deepEqual(janus.map((j) => report.proxy_backends?.[j.name] ?? 0), onJanus, JSON.stringify(report.proxy_backends));
    assert.ok(onJanus.every((n) => n > 0), `both Janus used: ${JSON.stringify(onJanus)}`);
  });

  it('videoroom: each subscriber verifies every publisher\'s streams', async () => {
    const { code, report } = await load([...args, '--scenario', 'videoroom', '--rooms', '1', '--publishers', '2', '--subscribers', '3', '--duration', '3']);
    assertHealthy(report, 5);
    assert.equal(code, 0);
    assert.equal(report.first_rtp_ms.count, 3);
    assert.ok(report.signalling_ms['message join'] && report.signalling_ms['message publish'] && report.signalling_ms['message start']);
  });

  it('videocall: both sides of each pair verify the other\'s streams', async () => {
    const { code, report } = await load([...args, '--scenario', 'videocall', '--peers', '4', '--duration', '3']);
    assertHealthy(report, 4);
    assert.equal(code, 0);
    assert.equal(report.first_rtp_ms.count, 4);
    assert.ok(report.signalling_ms['message register'] && report.signalling_ms['message call'] && report.signalling_ms['message accept']);
  });
  it('audiobridge: two rooms, every participant hears the others\' tones in its mix', async () => {
    const { code, report } = await load([...args, '--scenario', 'audiobridge', '--rooms', '2', '--participants', '2', '--duration', '3']);
    assertHealthy(report, 4);
    assert.equal(code, 0);
    assert.equal(report.first_rtp_ms.count, 4);
    assert.ok(report.signalling_ms['message join'] && report.signalling_ms['message configure']);
  });

  it('streaming: the mountpoint is created through the proxy and fed at the Janus its viewers\' SDP names', async () => {
    const { code, report } = await load([...args, '--scenario', 'streaming', '--viewers', '3', '--duration', '3']);
    assertHealthy(report, 3);
    assert.equal(code, 0);
    assert.equal(Object.keys(report.backends).length, 1, JSON.stringify(report.backends));
    assert.ok(report.signalling_ms['message watch'] && report.signalling_ms['message start']);
  });
});
