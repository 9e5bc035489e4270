// The supervisor with small stand-in commands instead of Janus: crash-loop backoff, a clean stop,
// SIGKILL for a process that ignores SIGTERM, and output capture.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Supervisor, type ProcessInfo, type SupervisorOptions } from '../../src/sentinel/supervisor.js';
import { isAlive, pollUntil } from '../support/processes.js';

const logger = pino({ level: 'silent' });
const node = (script: string): string[] => [process.execPath, '-e', script];

function supervise(argv: string[], extra: Partial<SupervisorOptions> = {}): { supervisor: Supervisor; history: ProcessInfo[] } {
  const supervisor = new Supervisor({
    argv, stopWithSentinel: true, logFile: undefined, stopTimeoutMs: 2_000, logger,
    backoff: { initialDelayMs: 50, maxDelayMs: 200, stableUptimeMs: 60_000 }, ...extra,
  });
  const history: ProcessInfo[] = [];
  supervisor.changed.on((info) => history.push(info));
  return { supervisor, history };
}

describe('sentinel supervisor', () => {
  it('restarts a crashing command with doubling delays up to the maximum', async () => {
    const { supervisor, history } = supervise(node('process.exit(3)'));
    supervisor.start();
    try {
      await pollUntil('four restarts', () => (supervisor.info.restarts >= 4 ? true : undefined), 10_000, 10);
    } finally {
      await supervisor.stop();
    }
    const delays = history.filter((h) => h.state === 'backoff').map((h) => (h.nextStartAtMs ?? 0) - (h.lastExit?.atMs ?? 0));
    assert.deepEqual(delays.slice(0, 4), [50, 100, 200, 200]);
    assert.equal(history.find((h) => h.state === 'backoff')?.lastExit?.code, 3);
    assert.equal(supervisor.info.state, 'stopped');
  });

  it('stops with SIGTERM, and with SIGKILL when SIGTERM is ignored', async () => {
    const polite = supervise(node('setInterval(() => {}, 1000)'));
    polite.supervisor.start();
    await polite.supervisor.stop();
    assert.equal(polite.supervisor.info.lastExit?.signal, 'SIGTERM');

    const dir = mkdtempSync(join(tmpdir(), 'sentinel-supervisor-'));
    const logFile = join(dir, 'out');
    const stubborn = supervise(node("process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"), { stopTimeoutMs: 300, logFile });
    stubborn.supervisor.start();
    const pid = stubborn.supervisor.info.pid!;
    try {
      // It prints once its SIGTERM handler is in place; before that, SIGTERM would simply kill it.
      await pollUntil('the handler to be installed', () => (existsSync(logFile) && readFileSync(logFile, 'utf8').includes('ready') ? true : undefined), 5_000, 10);
    } catch (err) {
      await stubborn.supervisor.stop();
      throw err;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const startedStop = Date.now();
    await stubborn.supervisor.stop();
    assert.ok(Date.now() - startedStop >= 300);
    assert.equal(stubborn.supervisor.info.lastExit?.signal, 'SIGKILL');
    assert.ok(!isAlive(pid));
    assert.deepEqual(stubborn.history.map((h) => h.state), ['running', 'stopping', 'stopped']);
  });

  it('appends the output to the log file and does not restart after stop()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinel-supervisor-'));
    try {
      const logFile = join(dir, 'janus.out');
      const { supervisor, history } = supervise(node("console.log('hello out'); console.error('hello err'); setInterval(() => {}, 1000)"), { logFile });
      supervisor.start();
      try {
        await pollUntil('both lines in the file', () => {
          const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
          return text.includes('hello out') && text.includes('hello err') ? true : undefined;
        }, 5_000, 20);
      } finally {
        await supervisor.stop();
      }
      assert.equal(history.filter((h) => h.state === 'running').length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
