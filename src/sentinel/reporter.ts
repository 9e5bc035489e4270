/**
 * Sends this server's report to every sink — each configured proxy and, optionally, the Redis
 * registry — at once on every change and again every interval (the periodic report keeps the
 * record from expiring and carries fresh load figures). Every sink gets every report: delivery is
 * per sink, so a slow or failing proxy delays nobody else (the original rotated through its URLs,
 * so each proxy heard only a share of the reports).
 */
import type { Logger } from 'pino';
import type { ServerReport } from '../protocol/server-record.js';
import type { ReportSink } from './report-sinks.js';
import { ReportTarget, type TargetState } from './report-target.js';

/** First retry after a failed delivery; doubles up to the report interval. */
const RETRY_INITIAL_DELAY_MS = 250;

export interface ReporterOptions {
  intervalMs: number;
  logger: Logger;
}

export class Reporter {
  private readonly targets: ReportTarget[];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(sinks: readonly ReportSink[], private readonly options: ReporterOptions) {
    this.targets = sinks.map((sink) => new ReportTarget(sink, RETRY_INITIAL_DELAY_MS, options.intervalMs, options.logger));
  }

  get targetStates(): TargetState[] {
    return this.targets.map((t) => t.snapshot);
  }

  /** Reports `current()` now and then every interval, until stop(). */
  start(current: () => ServerReport): void {
    this.publish(current());
    this.timer = setInterval(() => { this.publish(current()); }, this.options.intervalMs);
  }

  /** Sends this report to every sink now (replacing any older one still waiting there). */
  publish(report: ServerReport): number {
    const seq = ++this.seq;
    for (const target of this.targets) target.offer(seq, report);
    return seq;
  }

  /**
   * Resolves once every sink has tried to deliver report `seq` (or a newer one), or after timeoutMs.
   * Returns the sinks that had not tried yet.
   */
  async flush(seq: number, timeoutMs: number): Promise<string[]> {
    const pending = this.targets.filter((t) => t.attemptedSeq < seq);
    await Promise.all(pending.map((target) => new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      const off = target.attempted.on((attempted) => { if (attempted >= seq) finish(); });
      function finish(): void {
        clearTimeout(timer);
        off();
        resolve();
      }
      if (target.attemptedSeq >= seq) finish();
    })));
    return this.targets.filter((t) => t.attemptedSeq < seq).map((t) => t.snapshot.target);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const target of this.targets) target.close();
  }
}
