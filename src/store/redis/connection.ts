/**
 * Shared Redis plumbing for the Redis stores (servers now; rooms, users, sessions later).
 *
 *   const redis = openRedis({ url: 'redis://127.0.0.1:6379/0', keyPrefix: 'janus-cloud:', logger });
 *   await redis.client.get(redis.key('servers'));      // commands: janus-cloud:servers
 *   redis.subscriber().subscribe(redis.key('chan'));    // a second connection, created on first use
 *   await redis.close();                                // quits both; safe to call twice
 *
 * Keys are prefixed explicitly with `key()` (not with ioredis' `keyPrefix` option, which leaves
 * pub/sub channels and script arguments alone): what the code names is exactly what is in Redis.
 *
 * Failure policy: a client reconnects forever with capped backoff, so a restarted Redis is picked
 * up again. A command never waits forever: it is rejected after MAX_RETRIES_PER_REQUEST failed
 * reconnect attempts, or after `commandTimeoutMs`, whichever comes first.
 */
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';

export const DEFAULT_KEY_PREFIX = 'janus-cloud:';
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;
const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 2_000;
const RETRY_JITTER_MS = 100;
/** With the backoff above a queued command fails within roughly two retry delays (at most ~4 s). */
const MAX_RETRIES_PER_REQUEST = 1;
const QUIT_TIMEOUT_MS = 1_000;
/** What a key prefix may be (exported so configuration can check it up front). */
export const KEY_PREFIX_PATTERN = /^[\w.:{}/-]{1,64}$/;

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Prepended to every key and channel; default `janus-cloud:`. Letters, digits, `_ . : { } / -`. */
  keyPrefix?: string;
  logger?: Logger;
  /** Shown by `CLIENT LIST`, e.g. `janus-cloud-servers`. */
  connectionName?: string;
  commandTimeoutMs?: number;
}

export interface RedisConnection {
  /** For commands. Never put it into subscriber mode. */
  readonly client: Redis;
  readonly keyPrefix: string;
  /** `keyPrefix` + the parts joined with `:`. */
  key(...parts: string[]): string;
  /** The pub/sub connection, created on first call and shared afterwards. */
  subscriber(): Redis;
  close(): Promise<void>;
}

/** A store operation that failed in Redis; `cause` holds the ioredis error. */
export class RedisStoreError extends Error {
  override readonly name = 'RedisStoreError';
}

/** Wraps whatever a Redis call threw into a RedisStoreError naming the operation. */
export function storeError(operation: string, err: unknown): RedisStoreError {
  if (err instanceof RedisStoreError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new RedisStoreError(`${operation} failed: ${reason}`, { cause: err });
}

/** Delay before reconnect attempt `attempt` (1, 2, ...): exponential, capped, with jitter. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1), RETRY_MAX_MS);
  return exponential + Math.floor(random() * RETRY_JITTER_MS);
}

export function normalizeKeyPrefix(prefix: string | undefined): string {
  const value = prefix ?? DEFAULT_KEY_PREFIX;
  if (!KEY_PREFIX_PATTERN.test(value)) {
    throw new Error(`invalid Redis key prefix ${JSON.stringify(value)}: 1 to 64 of letters, digits, _ . : { } / -`);
  }
  return value;
}

/** Host, port and db of a Redis URL, without credentials: safe to log. Throws on a non-Redis URL. */
export function describeRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('invalid Redis URL: not a URL (expected redis://host:port[/db])');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`invalid Redis URL: scheme ${parsed.protocol} (expected redis: or rediss:)`);
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

export function openRedis(options: RedisConnectionOptions): RedisConnection {
  return new Connection(options);
}

class Connection implements RedisConnection {
  readonly client: Redis;
  readonly keyPrefix: string;
  private sub: Redis | undefined;
  private closing: Promise<void> | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: RedisConnectionOptions) {
    this.keyPrefix = normalizeKeyPrefix(options.keyPrefix);
    const where = describeRedisUrl(options.url);
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ redis: where });
    this.client = this.create('commands');
  }

  key(...parts: string[]): string {
    return this.keyPrefix + parts.join(':');
  }

  subscriber(): Redis {
    if (this.closing) throw new Error('Redis connection is closed');
    this.sub ??= this.create('subscriber');
    return this.sub;
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([quit(this.client), this.sub ? quit(this.sub) : undefined]).then(() => undefined);
    return this.closing;
  }

  private create(role: 'commands' | 'subscriber'): Redis {
    const redisOptions: RedisOptions = {
      lazyConnect: false,
      // Commands issued while (re)connecting wait in the queue, bounded by the two limits below.
      enableOfflineQueue: true,
      maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
      commandTimeout: this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt) => retryDelayMs(attempt),
      // The owner of the subscriber re-subscribes itself on 'ready', so it knows when it is live again.
      autoResubscribe: false,
      connectionName: `${this.options.connectionName ?? 'janus-cloud'}-${role}`,
    };
    const client = new Redis(this.options.url, redisOptions);
    watchHealth(client, this.logger.child({ role }));
    return client;
  }
}

/** One warning per outage (not one per retry) and one note when it is over. */
function watchHealth(client: Redis, logger: Logger): void {
  let healthy = true;
  client.on('error', (err: Error) => {
    if (!healthy) return;
    healthy = false;
    logger.warn({ err: err.message }, 'redis connection failed, retrying');
  });
  client.on('ready', () => {
    if (healthy) return;
    healthy = true;
    logger.info('redis connection restored');
  });
}

/** QUIT when connected (bounded), then drop the socket and stop reconnecting either way. */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, QUIT_TIMEOUT_MS); });
    await Promise.race([client.quit().then(() => undefined, () => undefined), timeout]);
    clearTimeout(timer);
  }
  client.disconnect();
}

/** A Lua script run by EVALSHA, falling back to EVAL once when Redis does not have it cached. */
export class RedisScript {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
