/**
 * A proxy's lease in Redis: `P proxy:<id>` exists while the proxy lives. The proxy sets it with a
 * TTL and refreshes it every third of that, so a crashed or cut-off proxy's lease expires within
 * one TTL and whatever it registered (call plugin users) stops counting, with no one to clean up.
 * Its value is the proxy's description (proxy-directory.ts); `P proxies` is the SET of proxy ids
 * that took a lease, pruned of expired ones when listed.
 */
import type { Logger } from 'pino';
import type { RedisConnection } from './connection.js';
import { parseProxyDescription, type ProxyDescription, type ProxyDirectory, type SelfDescription } from '../proxy-directory.js';

export class ProxyLease implements ProxyDirectory {
  private timer: NodeJS.Timeout | undefined;
  private healthy = true;
  private describe: (() => SelfDescription) | undefined;

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

  describeWith(describe: () => SelfDescription): void {
    this.describe = describe;
    // Listed with its description now, not a third of the TTL later.
    if (this.timer) void this.refresh().catch(() => undefined);
  }

  /** Every proxy holding a lease, this one first; ids whose lease expired leave the set. */
  async list(): Promise<ProxyDescription[]> {
    const ids = await this.redis.client.smembers(this.proxiesKey());
    if (ids.length === 0) return [];
    const values = await this.redis.client.mget(...ids.map((id) => this.keyOf(id)));
    const gone = ids.filter((_id, i) => values[i] === null);
    if (gone.length > 0) await this.redis.client.srem(this.proxiesKey(), ...gone);
    const live = values.flatMap((v) => parseProxyDescription(v ?? null) ?? []);
    return live.sort((a, b) => Number(b.id === this.proxyId) - Number(a.id === this.proxyId) || a.id.localeCompare(b.id));
  }

  /** Takes the lease (rejects if Redis cannot be reached) and keeps it fresh until close(). */
  async start(): Promise<void> {
    await this.refresh();
    await this.redis.client.sadd(this.proxiesKey(), this.proxyId);
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
    await this.redis.client.srem(this.proxiesKey(), this.proxyId).catch(() => undefined);
  }

  private proxiesKey(): string {
    return this.redis.key('proxies');
  }

  private async refresh(): Promise<void> {
    const self = this.describe?.();
    const value = self ? JSON.stringify({ id: this.proxyId, ...self, updated_at: Date.now() }) : String(Date.now());
    await this.redis.client.set(this.keyOf(this.proxyId), value, 'PX', this.ttlMs);
  }
}
