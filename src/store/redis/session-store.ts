/**
 * Session records shared by every proxy through one Redis.
 *
 * Layout, with prefix P:
 *   P session:<id>             HASH owner → proxy id, version → n, meta → JSON (id, transport, auth,
 *                              created_at, reclaim_s), h:<handle id> → JSON handle record
 *   P proxy-sessions:<proxy>   SET of the session ids that proxy owns (no KEYS/SCAN)
 *   P session-owners           SET of proxies that own or owned records (the dead-owner sweep reads it)
 *   P proxy:<id>               the proxy's lease (proxy-lease.ts): its records' owner is alive while it exists
 *
 * Every write is one Lua script that checks the owner first, so a proxy that lost a session to a
 * take-over can never write over the new owner's record. Writes are not awaited by their callers
 * (but `create` is: a session is answered once its record is written); they are applied in the order
 * they were made, and kept and applied later when Redis cannot be reached (write-backlog.ts).
 * With `store.wait_replicas` each lifecycle write is followed by a Redis WAIT (replication is
 * asynchronous): see README "Redis with failover" for the guarantee. The writes go on the
 * connection's `durable` connection, which is their own then: WAIT blocks it until the replicas
 * answer, and only session record writes queue behind it, not the other stores' commands. Reads go
 * on the shared command connection (a read of a record this proxy is still writing is not ordered
 * after that write, as with any fire-and-forget write).
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import type { HandleRecord, SessionMeta, SessionRecord, SessionStore } from '../session-store.js';
import { RedisScript, storeError, type RedisConnection } from './connection.js';
import type { ProxyLease } from './proxy-lease.js';
import { WriteBacklog } from './write-backlog.js';

/** KEYS: session, owner's index, owners set. ARGV: meta JSON, id, owner. */
const createScript = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[3], 'version', 1, 'meta', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return 1
`);

/** KEYS: session. ARGV: owner, field, value ('' deletes the field). */
const setFieldScript = new RedisScript(`
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
if ARGV[3] == '' then return redis.call('HDEL', KEYS[1], ARGV[2]) end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return 1
`);

/** KEYS: session, owner's index. ARGV: owner, id. */
const removeScript = new RedisScript(`
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
`);

/** KEYS: session, old owner's index, new owner's index, owners set. ARGV: expected owner, new owner, id. */
const takeOverScript = new RedisScript(`
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return false end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
redis.call('SREM', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[2])
return redis.call('HGETALL', KEYS[1])
`);

/** KEYS: owners set, the proxy's index. ARGV: proxy. Forgets a proxy that owns nothing any more. */
const forgetScript = new RedisScript(`
if redis.call('SCARD', KEYS[2]) > 0 then return 0 end
return redis.call('SREM', KEYS[1], ARGV[1])
`);

const metaSchema = z.object({
  id: z.number(),
  transport: z.enum(['ws', 'http']),
  auth: z.string(),
  created_at: z.number(),
  reclaim_s: z.number().default(0),
});

const handleSchema = z.object({
  id: z.number(),
  plugin: z.string(),
  opaque_id: z.string().optional(),
  backend: z.string().optional(),
  backend_session: z.number().optional(),
  backend_handle: z.number().optional(),
  plugin_state: z.record(z.string(), z.json()).optional(),
});

export class RedisSessionStore implements SessionStore {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly writes: WriteBacklog;

  constructor(
    private readonly redis: RedisConnection,
    private readonly lease: ProxyLease,
    private readonly logger: Logger,
  ) {
    this.writes = new WriteBacklog(logger);
  }

  get proxyId(): string {
    return this.lease.proxyId;
  }

  async create(meta: Omit<SessionMeta, 'owner' | 'version'>): Promise<boolean> {
    const keys = [this.sessionKey(meta.id), this.indexKey(this.proxyId), this.redis.key('session-owners')];
    try {
      const created = (await this.track(createScript.run(this.redis.durable, keys, [JSON.stringify(meta), meta.id, this.proxyId]))) === 1;
      if (created) await this.replicated();
      return created;
    } catch (err) {
      throw storeError(`redis session store: create ${meta.id}`, err);
    }
  }

  async get(id: number): Promise<SessionRecord | undefined> {
    try {
      return this.decode(id, await this.redis.client.hgetall(this.sessionKey(id)));
    } catch (err) {
      throw storeError(`redis session store: get ${id}`, err);
    }
  }

  putHandle(sessionId: number, handle: HandleRecord): void {
    const value = JSON.stringify(handle);
    this.write('put handle', () => setFieldScript.run(this.redis.durable, [this.sessionKey(sessionId)], [this.proxyId, `h:${handle.id}`, value]));
  }

  removeHandle(sessionId: number, handleId: number): void {
    this.write('remove handle', () => setFieldScript.run(this.redis.durable, [this.sessionKey(sessionId)], [this.proxyId, `h:${handleId}`, '']));
  }

  remove(sessionId: number): void {
    const keys = [this.sessionKey(sessionId), this.indexKey(this.proxyId)];
    this.write('remove', () => removeScript.run(this.redis.durable, keys, [this.proxyId, sessionId]));
  }

  async takeOver(sessionId: number, expectedOwner: string): Promise<SessionRecord | undefined> {
    const keys = [this.sessionKey(sessionId), this.indexKey(expectedOwner), this.indexKey(this.proxyId), this.redis.key('session-owners')];
    try {
      const reply = await takeOverScript.run(this.redis.durable, keys, [expectedOwner, this.proxyId, sessionId]);
      if (!Array.isArray(reply)) return undefined;
      await this.replicated();
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
      return this.decode(sessionId, fields);
    } catch (err) {
      throw storeError(`redis session store: take over ${sessionId}`, err);
    }
  }

  async isAlive(proxyId: string): Promise<boolean> {
    if (proxyId === this.proxyId) return true;
    return (await this.redis.client.exists(this.lease.keyOf(proxyId))) === 1;
  }

  async owners(): Promise<string[]> {
    return (await this.redis.client.smembers(this.redis.key('session-owners'))).filter((p) => p !== this.proxyId);
  }

  async sessionsOf(proxyId: string): Promise<number[]> {
    return (await this.redis.client.smembers(this.indexKey(proxyId))).map(Number).filter((n) => Number.isSafeInteger(n));
  }

  async forgetOwner(proxyId: string): Promise<void> {
    await forgetScript.run(this.redis.durable, [this.redis.key('session-owners'), this.indexKey(proxyId)], [proxyId]);
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.inFlight, this.writes.flush()]);
  }

  /** Writes Redis has not taken yet (kept during an outage). */
  get pendingWrites(): number {
    return this.writes.pending;
  }

  /** The connection and the lease belong to whoever built this store. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    await this.writes.close();
  }

  /**
   * With `store.wait_replicas`, waits (Redis WAIT) until replicas hold every write made so far, so
   * that a failover right after loses none of them; a WAIT that fails is only logged (the write
   * itself is on the primary).
   */
  private async replicated(): Promise<void> {
    await this.redis.replicated().catch((err: unknown) => {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'redis WAIT for replicas failed');
    });
  }

  /** A lifecycle write, in order behind the others; kept and retried while Redis is unreachable. */
  private write(what: string, run: () => Promise<unknown>): void {
    this.writes.submit(what, async () => {
      await run();
      await this.replicated();
    });
  }

  private track<T>(pending: Promise<T>): Promise<T> {
    this.inFlight.add(pending);
    void pending.finally(() => this.inFlight.delete(pending)).catch(() => undefined);
    return pending;
  }

  private decode(id: number, fields: Record<string, string>): SessionRecord | undefined {
    const { owner, version, meta } = fields;
    if (owner === undefined || meta === undefined) return undefined;
    const parsedMeta = metaSchema.safeParse(safeJson(meta));
    if (!parsedMeta.success) {
      this.logger.warn({ session: id }, 'unreadable session record in redis, treated as absent');
      return undefined;
    }
    const handles: HandleRecord[] = [];
    for (const [field, raw] of Object.entries(fields)) {
      if (!field.startsWith('h:')) continue;
      const handle = handleSchema.safeParse(safeJson(raw));
      if (handle.success) handles.push(handle.data);
      else this.logger.warn({ session: id, field }, 'unreadable handle record in redis, skipped');
    }
    return { ...parsedMeta.data, owner, version: Number(version ?? 1), handles };
  }

  private sessionKey(id: number): string {
    return this.redis.key('session', String(id));
  }

  private indexKey(proxyId: string): string {
    return this.redis.key('proxy-sessions', proxyId);
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
