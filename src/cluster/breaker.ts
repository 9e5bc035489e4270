/**
 * The proxy's own view of a backend's health: consecutive failed requests (time-outs, lost
 * connections) open the breaker and take the backend out of selection; after a delay it lets
 * placements through again (half-open) and the first success closes it, a failure re-opens it.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
}

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openUntilMs = 0;
  private tripped = false;

  constructor(private readonly options: BreakerOptions) {}

  state(nowMs: number): BreakerState {
    if (!this.tripped) return 'closed';
    return nowMs < this.openUntilMs ? 'open' : 'half_open';
  }

  get failures(): number {
    return this.consecutiveFailures;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    this.tripped = false;
  }

  recordFailure(nowMs: number): void {
    this.consecutiveFailures++;
    const probeFailed = this.tripped && nowMs >= this.openUntilMs;
    if (probeFailed || this.consecutiveFailures >= this.options.failureThreshold) {
      this.tripped = true;
      this.openUntilMs = nowMs + this.options.openMs;
    }
  }
}
