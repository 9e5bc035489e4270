/**
 * Exponential restart delays: initial, ×2 each time, capped at max. A run that stayed up for
 * `stableUptimeMs` counts as healthy, so the next crash starts from the initial delay again.
 */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  stableUptimeMs: number;
}

/** 2^30 × any sane initial delay is beyond any maximum; capping the exponent keeps it finite. */
const MAX_EXPONENT = 30;

export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Delay before the next start, given how long the run that just ended lasted. */
  nextDelayMs(uptimeMs: number): number {
    if (uptimeMs >= this.options.stableUptimeMs) this.failures = 0;
    const delay = Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, MAX_EXPONENT);
    return delay;
  }

  /** Consecutive quick failures so far. */
  get attempts(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}
