// Recycling for file descriptors: the /proc parsing, the threshold decision (table-driven), and the
// Recycler's sequence against scripted drain/restart steps (the real sequence against a real Janus
// is in test/integration/sentinel-recycle.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { fdSharePercent, parseMaxOpenFiles, readFdUsage } from '../../src/sentinel/fd-usage.js';
import { decideRecycle, type RecycleDecision, type RecycleInputs } from '../../src/sentinel/recycle-decision.js';
import { Recycler, type RecyclerDeps } from '../../src/sentinel/recycler.js';
import type { DrainResult } from '../../src/sentinel/drain.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max stack size            8388608              unlimited            bytes
Max processes             96367                96367                processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('fd usage from /proc', () => {
  it('takes the soft limit of "Max open files"', () => {
    assert.equal(parseMaxOpenFiles(LIMITS), 1024);
  });
  it('has no limit for unlimited, a missing line or garbage', () => {
    assert.equal(parseMaxOpenFiles(LIMITS.replace('1024                 524288', 'unlimited            unlimited')), undefined);
    assert.equal(parseMaxOpenFiles('Limit Soft Limit\nMax processes 10 10 processes\n'), undefined);
    assert.equal(parseMaxOpenFiles('Max open files            x   y   files'), undefined);
  });
  it('gives the share of the limit in percent, one decimal', () => {
    assert.equal(fdSharePercent(819, 1024), 80);
    assert.equal(fdSharePercent(1, 3), 33.3);
    assert.equal(fdSharePercent(10, undefined), undefined);
  });
  it('reads this process: some fds, its own limit; nothing for a pid that does not exist', () => {
    const usage = readFdUsage(process.pid);
    assert.ok(usage && usage.openFds > 2, JSON.stringify(usage));
    assert.ok(usage.maxFds === undefined || usage.maxFds >= usage.openFds);
    assert.equal(readFdUsage(2 ** 22 + 1), undefined); // above pid_max's ceiling
  });
});

const ready: RecycleInputs = {
  openFds: 800, maxFds: 1000, thresholdPercent: 80, supervised: true, recycling: false, ready: true,
  lastRecycleAtMs: undefined, minIntervalMs: 60_000, nowMs: 1_000_000,
};
const cases: { name: string; change: Partial<RecycleInputs>; decision: RecycleDecision }[] = [
  { name: 'at the threshold, supervised and ready: recycle', change: {}, decision: { action: 'recycle', percent: 80 } },
  { name: 'below it: nothing', change: { openFds: 799 }, decision: { action: 'none' } },
  { name: 'off (0): nothing, however full', change: { thresholdPercent: 0, openFds: 1000 }, decision: { action: 'none' } },
  { name: 'fds unknown: nothing', change: { openFds: undefined }, decision: { action: 'none' } },
  { name: 'no limit (unlimited): nothing', change: { maxFds: undefined }, decision: { action: 'none' } },
  { name: 'a recycle under way: nothing more', change: { recycling: true, ready: false }, decision: { action: 'none' } },
  { name: 'watch mode: warn, never recycle', change: { supervised: false }, decision: { action: 'warn', percent: 80, why: 'not_supervised' } },
  { name: 'an operator drain or restart under way: warn', change: { ready: false }, decision: { action: 'warn', percent: 80, why: 'busy' } },
  { name: 'within min_interval_ms of the last recycle: warn', change: { lastRecycleAtMs: 950_000 }, decision: { action: 'warn', percent: 80, why: 'too_soon' } },
  { name: 'min_interval_ms after the last recycle: recycle', change: { lastRecycleAtMs: 940_000 }, decision: { action: 'recycle', percent: 80 } },
];

describe('decideRecycle', () => {
  for (const c of cases) {
    it(c.name, () => { assert.deepEqual(decideRecycle({ ...ready, ...c.change }), c.decision); });
  }
});

/** Drain and restart steps the test resolves by hand, recording what the Recycler asked for. */
function scripted(overrides: Partial<RecyclerDeps> = {}) {
  const calls: string[] = [];
  let finishDrain: (r: DrainResult) => void = () => undefined;
  let stopping = false;
  const recycler = new Recycler({
    thresholdPercent: 80, minIntervalMs: 60_000, supervised: true, drainTimeoutMs: 5_000,
    ready: () => true,
    drain: (timeoutMs) => {
      calls.push(`drain ${String(timeoutMs)}`);
      return new Promise((resolve) => { finishDrain = resolve; });
    },
    restart: () => { calls.push('restart'); return Promise.resolve(); },
    stopping: () => stopping,
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
  return { recycler, calls, finish: (r: DrainResult) => { finishDrain(r); }, setStopping: () => { stopping = true; } };
}
const drained: DrainResult = { reason: 'no_handles', waitedMs: 10, stoppedJanus: true };

describe('Recycler', () => {
  it('drains, then restarts; one at a time; then waits min_interval_ms', async () => {
    const s = scripted();
    assert.equal(s.recycler.check({ open_fds: 900, max_fds: 1000 }, 1_000).action, 'recycle');
    assert.equal(s.recycler.state, 'draining');
    assert.equal(s.recycler.check({ open_fds: 950, max_fds: 1000 }, 2_000).action, 'none', 'one at a time');
    s.finish(drained);
    await s.recycler.settled();
    assert.deepEqual(s.calls, ['drain 5000', 'restart']);
    const info = s.recycler.info();
    assert.equal(info.state, 'idle');
    assert.equal(info.count, 1);
    assert.deepEqual(info.last, { at: 1_000, open_fds: 900, max_fds: 1000, drain_reason: 'no_handles', restarted: true });
    assert.deepEqual(s.recycler.check({ open_fds: 900, max_fds: 1000 }, 30_000), { action: 'warn', percent: 90, why: 'too_soon' });
    assert.equal(s.recycler.check({ open_fds: 900, max_fds: 1000 }, 61_000).action, 'recycle');
  });

  it('an operator drain during a recycle keeps Janus drained: no restart', async () => {
    const s = scripted();
    s.recycler.check({ open_fds: 900, max_fds: 1000 }, 1_000);
    s.recycler.operatorDrain();
    s.finish(drained);
    await s.recycler.settled();
    assert.deepEqual(s.calls, ['drain 5000']);
    assert.equal(s.recycler.info().last?.restarted, false);
  });

  it('an undrain or restart (the drain is cancelled) or a shutdown: no restart', async () => {
    const cancelled = scripted();
    cancelled.recycler.check({ open_fds: 900, max_fds: 1000 }, 1_000);
    cancelled.finish({ reason: 'cancelled', waitedMs: 5, stoppedJanus: false });
    await cancelled.recycler.settled();
    assert.deepEqual(cancelled.calls, ['drain 5000']);

    const shutdown = scripted();
    shutdown.recycler.check({ open_fds: 900, max_fds: 1000 }, 1_000);
    shutdown.setStopping();
    shutdown.finish(drained);
    await shutdown.recycler.settled();
    assert.deepEqual(shutdown.calls, ['drain 5000']);
  });

  it('an operator drain before any recycle changes nothing', () => {
    const s = scripted();
    s.recycler.operatorDrain();
    assert.equal(s.recycler.check({ open_fds: 900, max_fds: 1000 }, 1_000).action, 'recycle');
  });
});
