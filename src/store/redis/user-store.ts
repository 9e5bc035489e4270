/**
 * The call plugins' username registry shared by every proxy through one Redis.
 *
 * Layout, with prefix P:
 *   P users:<namespace>   HASH username → {"proxy":…,"owner":…}: list() reads it whole (no KEYS/SCAN)
 *   P proxy:<id>          the owning proxy's lease (proxy-lease.ts)
 *
 * An entry counts only while its proxy's lease exists, so a dead proxy's users vanish from lookup()
 * and list() within one lease TTL. Entries found dead are deleted on the way (compare-and-delete in
 * Lua, so an entry claimed again meanwhile stays). Every script names each key it touches in KEYS.
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import type { UserEntry, UserStore } from '../user-store.js';
import { RedisScript, RedisStoreError, storeError, type RedisConnection } from './connection.js';
import type { ProxyLease } from './proxy-lease.js';

/** Each failed attempt means another proxy changed the entry in between; this many is not normal. */
const MAX_CLAIM_ATTEMPTS = 8;

/**
 * KEYS: users hash, lease of the current owner's proxy. ARGV: username, current raw value ('' for
 * none), new raw value, '1' if the current entry belongs to the same owner. Returns 1 when claimed,
 * 0 when a live owner holds the name, -1 when the entry changed since it was read.
 */
const claimScript = new RedisScript(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current or '') ~= ARGV[2] then return -1 end
if current and ARGV[4] ~= '1' and redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`);

/** KEYS: users hash, lease of the entry's proxy. ARGV: username, raw value. Deletes a dead entry. */
const dropDeadScript = new RedisScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] and redis.call('EXISTS', KEYS[2]) == 0 then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
`);

/** KEYS: users hash. ARGV: username, raw value. Deletes the entry if it is still that value. */
const deleteIfScript = new RedisScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`);

const storedEntrySchema = z.object({ proxy: z.string().min(1), owner: z.string().min(1) });

export class RedisUserStore implements UserStore {
  private closed = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly lease: ProxyLease,
    private readonly logger: Logger,
  ) {}

  get proxyId(): string {
    return this.lease.proxyId;
  }

  async claim(namespace: string, entry: UserEntry): Promise<boolean> {
    this.assertOpen('claim');
    const hash = this.hashKey(namespace);
    try {
      for (let attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
        const raw = await this.redis.client.hget(hash, entry.username);
        const current = raw === null ? undefined : this.decode(entry.username, raw);
        // Owners are unique cluster-wide: the same owner on another proxy is a handle moved by a take-over.
        const sameOwner = current?.owner === entry.owner;
        const leaseKey = this.lease.keyOf(current?.proxy ?? entry.proxy);
        const value = JSON.stringify({ proxy: entry.proxy, owner: entry.owner });
        const result = await claimScript.run(this.redis.client, [hash, leaseKey], [entry.username, raw ?? '', value, sameOwner ? '1' : '0']);
        if (result === 1) return true;
        if (result === 0) return false;
      }
    } catch (err) {
      throw storeError(`redis user store: claim '${entry.username}'`, err);
    }
    throw new RedisStoreError(`redis user store: claim '${entry.username}' failed: the entry kept changing`);
  }

  async lookup(namespace: string, username: string): Promise<UserEntry | undefined> {
    this.assertOpen('lookup');
    const hash = this.hashKey(namespace);
    try {
      const raw = await this.redis.client.hget(hash, username);
      const entry = raw === null ? undefined : this.decode(username, raw);
      if (!entry || raw === null) return undefined;
      if ((await this.redis.client.exists(this.lease.keyOf(entry.proxy))) === 1) return entry;
      await this.dropDead(hash, entry, raw);
      return undefined;
    } catch (err) {
      throw storeError(`redis user store: lookup '${username}'`, err);
    }
  }

  async list(namespace: string): Promise<string[]> {
    this.assertOpen('list');
    const hash = this.hashKey(namespace);
    try {
      const all = await this.redis.client.hgetall(hash);
      const entries = Object.entries(all).flatMap(([username, raw]) => {
        const entry = this.decode(username, raw);
        return entry ? [{ entry, raw }] : [];
      });
      const proxies = [...new Set(entries.map((e) => e.entry.proxy))];
      if (proxies.length === 0) return [];
      const leases = await this.redis.client.mget(...proxies.map((p) => this.lease.keyOf(p)));
      const live = new Set(proxies.filter((_, i) => leases[i] !== null && leases[i] !== undefined));
      const dead = entries.filter((e) => !live.has(e.entry.proxy));
      for (const { entry, raw } of dead) await this.dropDead(hash, entry, raw);
      return entries.filter((e) => live.has(e.entry.proxy)).map((e) => e.entry.username);
    } catch (err) {
      throw storeError(`redis user store: list '${namespace}'`, err);
    }
  }

  async release(namespace: string, username: string, owner: string): Promise<void> {
    if (this.closed) return;
    const hash = this.hashKey(namespace);
    try {
      const raw = await this.redis.client.hget(hash, username);
      const entry = raw === null ? undefined : this.decode(username, raw);
      if (raw === null || entry?.owner !== owner || entry.proxy !== this.proxyId) return;
      await deleteIfScript.run(this.redis.client, [hash], [username, raw]);
    } catch (err) {
      throw storeError(`redis user store: release '${username}'`, err);
    }
  }

  /** The connection and the lease belong to whoever built this store (open-stores.ts). */
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private async dropDead(hash: string, entry: UserEntry, raw: string): Promise<void> {
    try {
      await dropDeadScript.run(this.redis.client, [hash, this.lease.keyOf(entry.proxy)], [entry.username, raw]);
    } catch (err) {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err), username: entry.username }, 'could not drop a dead user entry');
    }
  }

  private decode(username: string, raw: string): UserEntry | undefined {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const result = storedEntrySchema.safeParse(parsed);
    if (!result.success) {
      this.logger.warn({ username }, 'unreadable user entry in redis, treated as absent');
      return undefined;
    }
    return { username, proxy: result.data.proxy, owner: result.data.owner };
  }

  private hashKey(namespace: string): string {
    return this.redis.key('users', namespace);
  }

  private assertOpen(verb: string): void {
    if (this.closed) throw new RedisStoreError(`redis user store: ${verb} failed: the store is closed`);
  }
}
