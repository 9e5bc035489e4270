/**
 * Delivery of reports to one sink, independent of every other sink: reports go out one at a time
 * and in order, the newest replaces any not yet sent (a proxy never needs a stale one), and a
 * failure is retried with a growing delay capped at the report interval.
 */
import type { Logger } from 'pino';
import type { ServerReport } from '../protocol/server-record.js';
import type { ReportSink } from './report-sinks.js';
import { Signal } from '../signal.js';

export interface TargetState {
  target: string;
  ok: boolean | undefined;
  last_ok_at: number | undefined;
  last_error: string | undefined;
  consecutive_failures: number;
}

export class ReportTarget {
  /** The sequence number of each report once it has been tried (delivered or failed). */
  readonly attempted = new Signal<number>();
  private latest: { seq: number; report: ServerReport } | undefined;
  private lastAttemptedSeq = 0;
  private deliveredSeq = 0;
  private sending = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly state: TargetState;

  constructor(
    private readonly sink: ReportSink,
    private readonly retryInitialDelayMs: number,
    private readonly retryMaxDelayMs: number,
    private readonly logger: Logger,
  ) {
    this.state = { target: sink.label, ok: undefined, last_ok_at: undefined, last_error: undefined, consecutive_failures: 0 };
  }

  get snapshot(): TargetState {
    return { ...this.state };
  }

  get attemptedSeq(): number {
    return this.lastAttemptedSeq;
  }

  offer(seq: number, report: ServerReport): void {
    if (this.closed) return;
    this.latest = { seq, report };
    // While a retry is pending, wait for it: a failing proxy is not hammered by every change.
    if (!this.retryTimer) void this.pump();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (!this.closed && this.latest && this.latest.seq > this.deliveredSeq) {
        const { seq, report } = this.latest;
        const delivered = await this.deliver(report);
        this.lastAttemptedSeq = Math.max(this.lastAttemptedSeq, seq);
        this.attempted.emit(seq);
        if (!delivered) {
          this.scheduleRetry();
          return;
        }
        this.deliveredSeq = seq;
      }
    } finally {
      this.sending = false;
    }
  }

  private async deliver(report: ServerReport): Promise<boolean> {
    try {
      await this.sink.send(report);
      if (this.state.ok !== true) this.logger.info({ target: this.sink.label, status: report.status }, 'reporting to target');
      Object.assign(this.state, { ok: true, last_ok_at: Date.now(), last_error: undefined, consecutive_failures: 0 });
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (this.state.ok !== false || this.state.last_error !== message) {
        this.logger.warn({ target: this.sink.label, err: message }, 'report not delivered');
      }
      Object.assign(this.state, { ok: false, last_error: message, consecutive_failures: this.state.consecutive_failures + 1 });
      return false;
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    const exponent = Math.min(this.state.consecutive_failures - 1, 20);
    const delayMs = Math.min(this.retryMaxDelayMs, this.retryInitialDelayMs * 2 ** exponent);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.pump(); // sends the newest report, which may be the one that failed
    }, delayMs);
  }
}
