import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { ServerReport } from '../../src/protocol/server-record.js';
import { Reporter } from '../../src/sentinel/reporter.js';
import type { ReportSink } from '../../src/sentinel/report-sinks.js';

const logger = pino({ level: 'silent' });
const report = (status: ServerReport['status'], sessions = 0): ServerReport => ({ name: 's', url: 'ws://127.0.0.1:8188', status, sessions });

/** A sink that records what it got; each send waits for `gate` (if set) and fails while `failing`. */
class FakeSink implements ReportSink {
  readonly got: ServerReport[] = [];
  failing = false;
  gate: Promise<void> | undefined;
  attempts = 0;
  private readonly waiters = new Set<() => void>();
  constructor(readonly label: string) {}

  async send(r: ServerReport): Promise<void> {
    this.attempts++;
    await this.gate;
    if (this.failing) {
      this.notify();
      throw new Error(`${this.label} is down`);
    }
    this.got.push(r);
    this.notify();
  }

  /** Resolves once the sink has seen `n` attempts (delivered or failed). */
  untilAttempts(n: number, timeoutMs = 5_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`${this.label}: ${String(this.attempts)} attempts, wanted ${String(n)}`)); }, timeoutMs);
      const check = (): void => {
        if (this.attempts < n) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

describe('sentinel reporter', () => {
  it('every sink gets every report, in order', async () => {
    const sinks = [new FakeSink('a'), new FakeSink('b'), new FakeSink('c')];
    const reporter = new Reporter(sinks, { intervalMs: 60_000, logger });
    let last = 0;
    for (const status of ['down', 'up', 'draining'] as const) {
      last = reporter.publish(report(status));
      assert.deepEqual(await reporter.flush(last, 1_000), []);
    }
    for (const sink of sinks) assert.deepEqual(sink.got.map((r) => r.status), ['down', 'up', 'draining']);
    reporter.stop();
  });

  it('a slow or failing sink delays nobody else', async () => {
    const slow = new FakeSink('slow');
    let open = (): void => undefined;
    slow.gate = new Promise((resolve) => { open = resolve; });
    const failing = new FakeSink('failing');
    failing.failing = true;
    const fine = new FakeSink('fine');
    const reporter = new Reporter([slow, failing, fine], { intervalMs: 60_000, logger });
    const seq = reporter.publish(report('up'));
    assert.deepEqual(await reporter.flush(seq, 200), ['slow'], 'only the slow one has not tried yet');
    assert.deepEqual(fine.got.map((r) => r.status), ['up']);
    assert.equal(reporter.targetStates.find((t) => t.target === 'failing')?.ok, false);
    open();
    assert.deepEqual(await reporter.flush(seq, 1_000), []);
    reporter.stop();
  });

  it('the newest report replaces one not yet sent; a sink never gets an older one after a newer', async () => {
    const sink = new FakeSink('a');
    let open = (): void => undefined;
    sink.gate = new Promise((resolve) => { open = resolve; });
    const reporter = new Reporter([sink], { intervalMs: 60_000, logger });
    reporter.publish(report('up', 1)); // in flight, held at the gate
    reporter.publish(report('up', 2));
    const last = reporter.publish(report('up', 3));
    open();
    await reporter.flush(last, 1_000);
    assert.deepEqual(sink.got.map((r) => r.sessions), [1, 3]);
    reporter.stop();
  });

  it('retries a failed delivery with backoff, then delivers the newest report', async () => {
    const sink = new FakeSink('a');
    sink.failing = true;
    const reporter = new Reporter([sink], { intervalMs: 60_000, logger });
    reporter.publish(report('down'));
    await sink.untilAttempts(2); // the first try and one retry (after 250 ms)
    reporter.publish(report('up')); // waits for the next retry instead of hammering the sink
    sink.failing = false;
    await sink.untilAttempts(3);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(sink.got.map((r) => r.status), ['up']);
    const [state] = reporter.targetStates;
    assert.equal(state?.ok, true);
    assert.equal(state.consecutive_failures, 0);
    reporter.stop();
  });

  it('reports periodically from start() until stop()', async () => {
    const sink = new FakeSink('a');
    const reporter = new Reporter([sink], { intervalMs: 50, logger });
    let n = 0;
    reporter.start(() => report('up', ++n));
    await sink.untilAttempts(3);
    reporter.stop();
    const attempts = sink.attempts;
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(sink.attempts, attempts, 'nothing after stop()');
    assert.deepEqual(sink.got.slice(0, 3).map((r) => r.sessions), [1, 2, 3]);
  });
});
