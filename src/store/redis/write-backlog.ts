/**
 * Ordered, fire-and-forget Redis writes that survive a Redis outage: a write that fails (Redis
 * unreachable, a failover in progress, a command timeout) is kept, and so is every write made after
 * it, and they are applied again in order once Redis answers. Without it, a handle attached while
 * Redis was down would work but have no record, and could not be taken over later.
 *
 *   const writes = new WriteBacklog(logger);
 *   writes.submit('put handle', () => script.run(...));   // never throws
 *   await writes.flush();                                  // in flight done (the backlog may remain)
 *
 * Bounded: at most MAX_BACKLOG writes are kept, none longer than MAX_AGE_MS; beyond that the oldest
 * are dropped with a warning (those records are then missing, as they would be without a backlog).
 */
import type { Logger } from 'pino';

const RETRY_EVERY_MS = 250;
const MAX_BACKLOG = 50_000;
const MAX_AGE_MS = 10 * 60_000;

type Write = { what: string; run: () => Promise<unknown>; since: number };

export class WriteBacklog {
  private readonly backlog: Write[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private replaying = false;
  private closed = false;

  constructor(private readonly logger: Logger, private readonly now: () => number = Date.now) {}

  /** Writes still waiting for Redis. */
  get pending(): number {
    return this.backlog.length;
  }

  submit(what: string, run: () => Promise<unknown>): void {
    const write = { what, run, since: this.now() };
    // Behind a backlog, a write waits its turn: applying it first could undo a later one's effect.
    if (this.backlog.length > 0) {
      this.keep(write);
      return;
    }
    this.track(run()).catch((err: unknown) => { this.failed(write, err); });
  }

  /** Resolves when every write in flight has been answered (kept ones stay kept). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.flush();
    if (this.backlog.length > 0) this.logger.warn({ writes: this.backlog.length }, 'stopping with session record writes Redis never took');
  }

  private failed(write: Write, err: unknown): void {
    if (this.backlog.length === 0) this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, `session record write failed (${write.what}): kept, retried when Redis answers`);
    this.keep(write);
  }

  private keep(write: Write): void {
    this.backlog.push(write);
    if (this.backlog.length > MAX_BACKLOG) this.drop(this.backlog.length - MAX_BACKLOG, 'too many');
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.timer || this.replaying) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.replay();
    }, RETRY_EVERY_MS);
    this.timer.unref();
  }

  /** Applies the kept writes in order; stops at the first that fails and tries again later. */
  private async replay(): Promise<void> {
    this.replaying = true;
    try {
      const tooOld = this.backlog.findIndex((w) => this.now() - w.since <= MAX_AGE_MS);
      if (tooOld !== 0) this.drop(tooOld < 0 ? this.backlog.length : tooOld, 'too old');
      while (this.backlog.length > 0 && !this.closed) {
        const write = this.backlog[0];
        if (!write) break;
        await this.track(write.run());
        this.backlog.shift();
        if (this.backlog.length === 0) this.logger.info('session record writes kept during the Redis outage are applied');
      }
    } catch {
      // Redis still unreachable: keep everything, try again.
    } finally {
      this.replaying = false;
      if (this.backlog.length > 0) this.schedule();
    }
  }

  private drop(count: number, why: string): void {
    const dropped = this.backlog.splice(0, count);
    this.logger.warn({ writes: dropped.length, why }, 'session record writes dropped: those records may be missing or stale');
  }

  private track<T>(pending: Promise<T>): Promise<T> {
    this.inFlight.add(pending);
    void pending.finally(() => this.inFlight.delete(pending)).catch(() => undefined);
    return pending;
  }
}
