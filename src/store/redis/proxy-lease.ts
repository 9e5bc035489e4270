/**
 * A proxy's lease in Redis: `P proxy:<id>` exists while the proxy lives. The proxy sets it with a
 * TTL and refreshes it every third of that, so a crashed or cut-off proxy's lease expires within
 * one TTL and whatever it registered (call plugin users) stops counting, with no one to clean up.
 */
import type { Logger } from 'pino';
import type { RedisConnection } from './connection.js';

export class ProxyLease {
  private timer: NodeJS.Timeout | undefined;
  private healthy = true;

  constructor(
    private readonly redis: RedisConnection,
    readonly proxyId: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** The lease key of any proxy. */
  keyOf(proxyId: string): string {
    return this.redis.key('proxy', proxyId);
  }

  /** Takes the lease (rejects if Redis cannot be reached) and keeps it fresh until close(). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().then(
        () => {
          if (!this.healthy) this.logger.info('proxy lease refreshed again');
          this.healthy = true;
        },
        (err: unknown) => {
          if (this.healthy) this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not refresh the proxy lease');
          this.healthy = false;
        },
      );
    }, Math.max(100, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  /** Gives the lease up: everything held under it stops counting at once. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.redis.client.del(this.keyOf(this.proxyId)).catch(() => undefined);
  }

  private async refresh(): Promise<void> {
    await this.redis.client.set(this.keyOf(this.proxyId), String(Date.now()), 'PX', this.ttlMs);
  }
}
