// The janus-sentinel command: --help, --check-config (sample config valid, secrets hidden), config
// errors naming the key, and a real run supervising Janus that drains, reports `draining` then
// `down`, stops Janus and exits 0 on SIGTERM.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ReportReceiver } from '../support/report-receiver.js';
import { fastTestConfig, killAtExit, makeJanusConfig, SENTINEL_TEST_TOKEN } from '../support/sentinel-fixture.js';
import { freePort, isAlive, pollUntil, runCli, terminateChild, trackChild, waitForExit } from '../support/processes.js';

const CLI = ['--import', 'tsx', 'src/cli/janus-sentinel.ts'];
const PROXY_TOKEN = 'proxy-sentinel-token';

const cli = (args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof runCli> => runCli('janus-sentinel', args, env);

describe('janus-sentinel command', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('--help prints the usage', async () => {
    const { code, stdout } = await cli(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /Usage: janus-sentinel/);
    assert.match(stdout, /--check-config/);
  });

  it('--check-config accepts the documented sample and hides secrets; the environment overrides them', async () => {
    const { code, stdout } = await cli(['--check-config', '-c', 'conf/janus-sentinel.yml'], { JANUS_SENTINEL_ROOM_SECRET: 'from-env' });
    assert.equal(code, 0);
    const shown = JSON.parse(stdout) as { admin_api: { token: string; port: number }; report: { proxies: { token: string }[] }; sweeper: { room_secret: string } };
    assert.equal(shown.admin_api.port, 8200);
    assert.equal(shown.admin_api.token, '***');
    assert.equal(shown.report.proxies[0]?.token, '***');
    assert.equal(shown.sweeper.room_secret, '***', 'set from the environment, and hidden');
    assert.doesNotMatch(stdout, /change-me|from-env/);
  });

  it('names the key of a bad config and exits 2', async () => {
    const janus = await makeJanusConfig(['echotest']);
    cleanups.push(() => { janus.remove(); });
    const file = join(janus.dir, 'bad.yml');
    writeFileSync(file, stringify({ monitor: { ping_intervl_ms: 5 }, report: { proxies: [{ url: 'ftp://x', token: 'long-enough' }] } }));
    const { code, stderr } = await cli(['--check-config', '-c', file]);
    assert.equal(code, 2);
    assert.match(stderr, /monitor: unknown key\(s\) ping_intervl_ms/);
    assert.match(stderr, /report\.proxies\.0\.url: an http:\/\/ or https:\/\/ URL/);
    assert.match(stderr, /admin_api\.token: token is required/);
  });

  /** Runs the CLI on a generated config against a fresh Janus; resolves once it reported `up`. */
  async function runSentinel(): Promise<{ child: ChildProcess; receiver: ReportReceiver; janusPid: number }> {
    const receiver = await ReportReceiver.start(PROXY_TOKEN);
    cleanups.push(() => receiver.close());
    const janus = await makeJanusConfig(['echotest']);
    cleanups.push(() => { janus.remove(); });
    const restPort = await freePort();
    const config = fastTestConfig(janus, { proxies: [{ url: receiver.url, token: PROXY_TOKEN }] }, restPort);
    const file = join(janus.dir, 'sentinel.yml');
    writeFileSync(file, stringify({ ...config, log: { level: 'warn' } }));

    const child = spawn(process.execPath, [...CLI, '-c', file], { stdio: ['ignore', 'ignore', 'inherit'] });
    trackChild(child, `janus-sentinel pid ${String(child.pid)}`);
    cleanups.push(() => terminateChild(child, 5_000));
    await receiver.waitFor((r) => r.status === 'up', 20_000);
    const info = await pollUntil('the sentinel REST API', async () => {
      const res = await fetch(`http://127.0.0.1:${String(restPort)}/info`, { headers: { authorization: `Bearer ${SENTINEL_TEST_TOKEN}` } }).catch(() => undefined);
      return res?.status === 200 ? (await res.json()) as { process: { pid: number } } : undefined;
    }, 5_000);
    killAtExit(info.process.pid, janus.dir);
    return { child, receiver, janusPid: info.process.pid };
  }

  it('runs, and on SIGTERM drains, reports `draining` then `down`, stops Janus and exits 0', async () => {
    const { child, receiver, janusPid } = await runSentinel();
    const since = receiver.mark();
    child.kill('SIGTERM');
    assert.ok(await waitForExit(child, 15_000), 'the sentinel exits');
    assert.equal(child.exitCode, 0);
    await receiver.waitForSequence(['draining', 'down'], 1_000, since);
    assert.ok(!isAlive(janusPid), 'Janus was stopped with it');
  });

  it('a SIGKILLed sentinel takes its Janus with it (no orphan holding the ports)', async () => {
    const { child, janusPid } = await runSentinel();
    child.kill('SIGKILL');
    assert.ok(await waitForExit(child, 5_000));
    await pollUntil(`Janus pid ${String(janusPid)} to exit`, () => (isAlive(janusPid) ? undefined : true), 15_000, 20);
  });
});
