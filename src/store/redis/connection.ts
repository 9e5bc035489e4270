/**
 * Shared Redis plumbing for the Redis stores: the one place that opens Redis connections.
 *
 *   const redis = openRedis({ url: 'redis://127.0.0.1:6379/0', keyPrefix: 'janus-cloud:', logger });
 *   await redis.client.get(redis.key('servers'));      // commands: janus-cloud:servers
 *   redis.subscriber().subscribe(redis.key('chan'));    // a second connection, created on first use
 *   await redis.durable.eval(...); await redis.replicated();  // a write, then WAIT for replicas
 *   await redis.close();                                // quits them all; safe to call twice
 *
 * With `waitReplicas` > 0 (not on Redis Cluster) a third connection, `durable`, carries the writes
 * that are WAITed for: WAIT blocks the connection it runs on until the replicas answer (up to
 * `waitTimeoutMs`), and on the shared command connection it would hold up every store's commands.
 * Otherwise `durable` is the command connection itself.
 *
 * Three kinds of Redis (`redisTarget()` reads them from the `store` config):
 * - one server: `url`;
 * - Redis Sentinel: `sentinel` (sentinels + master name); ioredis asks the sentinels for the
 *   primary, and after a failover reconnects to the new one (also told at once by the sentinels'
 *   +switch-master, `failoverDetector`). `url` then gives only the data nodes' password and db;
 * - Redis Cluster: `cluster` (seed nodes). Every key must hash to one slot, because the stores'
 *   Lua scripts touch several keys: the key prefix carries a hash tag (`{janus-cloud}:`), so the
 *   cluster gives failover, not sharding. `url` gives only the password.
 *
 * Keys are prefixed explicitly with `key()` (not with ioredis' `keyPrefix` option, which leaves
 * pub/sub channels and script arguments alone): what the code names is exactly what is in Redis.
 *
 * Failure policy: a client reconnects forever with capped backoff, so a restarted Redis (or a new
 * primary) is picked up again. A command never waits forever: it is rejected after
 * MAX_RETRIES_PER_REQUEST failed reconnect attempts, or after `commandTimeoutMs`, whichever comes
 * first, so that a request needing Redis during an outage gets an error, not silence.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import { StoreUnavailableError } from '../store-error.js';

export const DEFAULT_KEY_PREFIX = 'janus-cloud:';
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
export const DEFAULT_WAIT_TIMEOUT_MS = 100;
const CONNECT_TIMEOUT_MS = 5_000;
const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 2_000;
const RETRY_JITTER_MS = 100;
/** With the backoff above a queued command fails within roughly two retry delays (at most ~4 s). */
const MAX_RETRIES_PER_REQUEST = 1;
const QUIT_TIMEOUT_MS = 1_000;
/** What a key prefix may be (exported so configuration can check it up front). */
export const KEY_PREFIX_PATTERN = /^[\w.:{}/-]{1,64}$/;

export interface RedisHostPort {
  host: string;
  port: number;
}

/** Redis Sentinel: the sentinels to ask and the name of the primary they monitor. */
export interface RedisSentinelTarget {
  sentinels: readonly RedisHostPort[];
  masterName: string;
  /** The sentinels' own password (requirepass of the sentinels), when set. */
  sentinelPassword?: string;
}

export interface RedisConnectionOptions {
  /**
   * `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. With `sentinel` or `cluster`
   * only its credentials, TLS and db are used.
   */
  url: string;
  sentinel?: RedisSentinelTarget;
  /** Redis Cluster seed nodes (the rest are discovered). */
  cluster?: readonly RedisHostPort[];
  /** `replicated()` waits until this many replicas have the writes made so far (0: no wait). */
  waitReplicas?: number;
  waitTimeoutMs?: number;
  /** Prepended to every key and channel; default `janus-cloud:`. Letters, digits, `_ . : { } / -`. */
  keyPrefix?: string;
  logger?: Logger;
  /** Shown by `CLIENT LIST` with `-commands` / `-subscriber` / `-durable` appended, e.g. `janus-cloud:<proxy id>`. */
  connectionName?: string;
  commandTimeoutMs?: number;
}

/** The connections of a RedisConnection, as named in `CLIENT LIST` and in errors. */
export type RedisRole = 'commands' | 'subscriber' | 'durable';

export interface RedisConnection {
  /**
   * For commands. Never put it into subscriber mode. With Redis Cluster this is an ioredis Cluster,
   * which takes the same commands (every key of ours is in one slot, see above).
   */
  readonly client: Redis;
  /**
   * For the writes `replicated()` waits for (WAIT covers the writes made on its own connection): a
   * connection of its own when `waitReplicas` > 0, else `client`.
   */
  readonly durable: Redis;
  readonly keyPrefix: string;
  /** Where the connections go, without credentials: safe to log and to show. */
  readonly where: string;
  /** `keyPrefix` + the parts joined with `:`. */
  key(...parts: string[]): string;
  /** The pub/sub connection, created on first call and shared afterwards. */
  subscriber(): Redis;
  /** The connections opened so far that are not ready (connected and answering) now. */
  notReady(): RedisRole[];
  /**
   * Resolves once `waitReplicas` replicas have acknowledged every write made so far on `durable`
   * (Redis WAIT), or after `waitTimeoutMs`; at once when no replicas are asked for (or on Redis
   * Cluster, where WAIT cannot be aimed at the right node). Returns the replicas that acknowledged,
   * or undefined when it did not wait.
   */
  replicated(): Promise<number | undefined>;
  close(): Promise<void>;
}

/** The Redis part of the `store` config section (proxy config schema). */
export interface RedisStoreSettings {
  redis_url: string;
  key_prefix: string;
  sentinel?: { master_name: string; sentinels: RedisHostPort[]; password?: string | undefined } | undefined;
  cluster?: { nodes: RedisHostPort[] } | undefined;
  wait_replicas?: number;
  wait_timeout_ms?: number;
  command_timeout_ms?: number;
}

/** Connection options for the configured store (everything but the logger and connection name). */
export function redisTarget(store: RedisStoreSettings): RedisConnectionOptions {
  const options: RedisConnectionOptions = { url: store.redis_url, keyPrefix: store.key_prefix };
  if (store.sentinel) {
    options.sentinel = { sentinels: store.sentinel.sentinels, masterName: store.sentinel.master_name };
    if (store.sentinel.password !== undefined) options.sentinel.sentinelPassword = store.sentinel.password;
  }
  if (store.cluster) options.cluster = store.cluster.nodes;
  if (store.wait_replicas !== undefined) options.waitReplicas = store.wait_replicas;
  if (store.wait_timeout_ms !== undefined) options.waitTimeoutMs = store.wait_timeout_ms;
  if (store.command_timeout_ms !== undefined) options.commandTimeoutMs = store.command_timeout_ms;
  return options;
}

/** A store operation that failed in Redis; `cause` holds the ioredis error. */
export class RedisStoreError extends StoreUnavailableError {
  override readonly name = 'RedisStoreError';
}

/** Wraps whatever a Redis call threw into a RedisStoreError naming the operation. */
export function storeError(operation: string, err: unknown): RedisStoreError {
  if (err instanceof RedisStoreError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new RedisStoreError(`${operation} failed: ${reason}`, { cause: err });
}

/**
 * SUBSCRIBE on a (possibly shared) subscriber, which ioredis does not re-subscribe by itself: run on
 * every 'ready'. On failure the connection is dropped, so that its next 'ready' tries again.
 * Resolves whether the channel is followed now.
 */
export async function subscribeOrReconnect(subscriber: Redis, channel: string, follow: { what: string; logger: Logger; closed: () => boolean }): Promise<boolean> {
  try {
    await subscriber.subscribe(channel);
    return true;
  } catch (err) {
    if (follow.closed()) return false;
    follow.logger.warn({ err: err instanceof Error ? err.message : String(err) }, `could not follow ${follow.what}, reconnecting`);
    if (subscriber.status === 'ready') subscriber.disconnect(true);
    return false;
  }
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

function parseRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('invalid Redis URL: not a URL (expected redis://host:port[/db])');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`invalid Redis URL: scheme ${parsed.protocol} (expected redis: or rediss:)`);
  }
  return parsed;
}

/** Host, port and db of a Redis URL, without credentials: safe to log. Throws on a non-Redis URL. */
export function describeRedisUrl(url: string): string {
  const parsed = parseRedisUrl(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/** Where a connection goes, without credentials: safe to log. */
function describeTarget(options: RedisConnectionOptions): string {
  const list = (nodes: readonly RedisHostPort[]): string => nodes.map((n) => `${n.host}:${String(n.port)}`).join(',');
  if (options.sentinel) return `sentinel ${options.sentinel.masterName}@${list(options.sentinel.sentinels)}`;
  if (options.cluster) return `cluster ${list(options.cluster)}`;
  return describeRedisUrl(options.url);
}

/** What a URL says besides host and port: credentials, TLS and db (for sentinel and cluster nodes). */
function urlSettings(url: string): Pick<RedisOptions, 'username' | 'password' | 'db' | 'tls'> {
  const parsed = parseRedisUrl(url);
  const settings: Pick<RedisOptions, 'username' | 'password' | 'db' | 'tls'> = {};
  if (parsed.username) settings.username = decodeURIComponent(parsed.username);
  if (parsed.password) settings.password = decodeURIComponent(parsed.password);
  const db = Number(parsed.pathname.slice(1));
  if (parsed.pathname.length > 1 && Number.isInteger(db)) settings.db = db;
  if (parsed.protocol === 'rediss:') settings.tls = {};
  return settings;
}

export function openRedis(options: RedisConnectionOptions): RedisConnection {
  return new Connection(options);
}

class Connection implements RedisConnection {
  readonly client: Redis;
  readonly durable: Redis;
  readonly keyPrefix: string;
  readonly where: string;
  private sub: Redis | undefined;
  private closing: Promise<void> | undefined;
  private underReplicated = false;
  private readonly logger: Logger;

  constructor(private readonly options: RedisConnectionOptions) {
    this.keyPrefix = normalizeKeyPrefix(options.keyPrefix);
    if (options.sentinel && options.cluster) throw new Error('Redis: sentinel and cluster cannot both be configured');
    if (options.cluster && !hasHashTag(this.keyPrefix)) {
      throw new Error(`Redis Cluster needs a key prefix with a hash tag, e.g. {janus-cloud}: (got ${JSON.stringify(this.keyPrefix)})`);
    }
    this.where = describeTarget(options);
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ redis: this.where });
    this.client = this.create('commands');
    this.durable = this.waits() ? this.create('durable') : this.client;
  }

  key(...parts: string[]): string {
    return this.keyPrefix + parts.join(':');
  }

  subscriber(): Redis {
    if (this.closing) throw new Error('Redis connection is closed');
    this.sub ??= this.create('subscriber');
    return this.sub;
  }

  notReady(): RedisRole[] {
    const opened: [RedisRole, Redis | undefined][] = [['commands', this.client], ['subscriber', this.sub], ['durable', this.durable === this.client ? undefined : this.durable]];
    return opened.filter(([, c]) => c !== undefined && c.status !== 'ready').map(([role]) => role);
  }

  async replicated(): Promise<number | undefined> {
    if (!this.waits()) return undefined;
    const replicas = this.options.waitReplicas ?? 0;
    const acked = await this.durable.wait(replicas, this.options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
    if (acked < replicas && !this.underReplicated) this.logger.warn({ acked, wanted: replicas }, 'redis replicas did not acknowledge writes in time: a failover now could lose the latest records');
    this.underReplicated = acked < replicas;
    return acked;
  }

  close(): Promise<void> {
    const durable = this.durable === this.client ? undefined : this.durable;
    this.closing ??= Promise.all([quit(this.client), this.sub ? quit(this.sub) : undefined, durable ? quit(durable) : undefined]).then(() => undefined);
    return this.closing;
  }

  /** WAIT is asked for, and can be aimed (not on Redis Cluster: the node is not known). */
  private waits(): boolean {
    return (this.options.waitReplicas ?? 0) > 0 && !this.options.cluster;
  }

  private create(role: RedisRole): Redis {
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
    const client = this.connect(redisOptions);
    watchHealth(client, this.logger.child({ role }));
    return client;
  }

  private connect(redisOptions: RedisOptions): Redis {
    const { url, sentinel, cluster } = this.options;
    if (sentinel) {
      return new Redis({
        ...redisOptions,
        ...urlSettings(url),
        sentinels: sentinel.sentinels.map((s) => ({ host: s.host, port: s.port })),
        name: sentinel.masterName,
        ...(sentinel.sentinelPassword === undefined ? {} : { sentinelPassword: sentinel.sentinelPassword }),
        // Reconnect as soon as the sentinels announce a new primary, not at the next retry.
        failoverDetector: true,
        sentinelRetryStrategy: (attempt) => retryDelayMs(attempt),
      });
    }
    if (cluster) {
      const { retryStrategy: _, enableOfflineQueue, ...nodeOptions } = redisOptions;
      const clusterOptions: ClusterOptions = {
        enableOfflineQueue,
        clusterRetryStrategy: (attempt) => retryDelayMs(attempt),
        redisOptions: { ...nodeOptions, ...urlSettings(url) },
      };
      // A Cluster takes the same commands as a Redis client; the stores only use those.
      return new Cluster(cluster.map((n) => ({ host: n.host, port: n.port })), clusterOptions) as unknown as Redis;
    }
    return new Redis(url, redisOptions);
  }
}

/** A Redis Cluster hash tag: the part between the first `{` and the next `}`, not empty. */
function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  return close > open + 1;
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

/**
 * A Lua script, sent whole with EVAL every time (Redis compiles it once and keeps it by its SHA1).
 * Not EVALSHA with an EVAL fallback: the fallback's second round trip, on the first use of a script
 * on a node (at start, after a failover), let commands sent meanwhile overtake the write, which broke
 * the order of a proxy's own record writes and reads. Scripts run on lifecycle changes only, so the
 * few hundred bytes per call do not matter.
 */
export class RedisScript {
  constructor(private readonly lua: string) {}

  run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return client.eval(this.lua, keys.length, ...keys, ...args);
  }
}
