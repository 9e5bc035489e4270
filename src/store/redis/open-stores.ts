/**
 * Every store of a proxy over ONE Redis connection for commands plus its pub/sub subscriber
 * (connection.ts), with one close(). Both show in `CLIENT LIST` as `janus-cloud:<proxy id>-commands`
 * and `-subscriber`, so an operator sees which proxy holds which connection. With
 * `store.wait_replicas` > 0 a third one, `-durable`, carries the session record writes that are
 * WAITed for (WAIT blocks its connection).
 *
 * Opening has a deadline: a connection that never gets ready (a subscriber refused or stalled while
 * the command connection works) would otherwise keep the proxy starting forever. It then fails with
 * an error naming the Redis address and the connections that are not up.
 *
 * The stores share the subscriber: each listens only to its own channels and subscribes them again
 * itself after every reconnection (ioredis' auto-resubscribe is off), so one store's failing
 * subscription, which drops the connection to get a fresh one, is repaired for all of them.
 */
import type { Logger } from 'pino';
import type { OpenStoresOptions, StoreConfig, Stores } from '../factory.js';
import { openRedis, redisTarget, type RedisConnection } from './connection.js';
import { MemoryTokenStore } from '../memory/token-store.js';
import { ProxyLease } from './proxy-lease.js';
import { RedisBus } from './bus.js';
import { RedisServerStore } from './server-store.js';
import { RedisRoomStore } from './room-store.js';
import { RedisUserStore } from './user-store.js';
import { RedisSessionStore } from './session-store.js';
import { RedisRoomRoutes } from './room-routes.js';
import { RedisTokenStore } from './token-store.js';

/** How long opening the stores may take (connections ready, subscriptions live, first loads done). */
export const DEFAULT_STARTUP_TIMEOUT_MS = 20_000;

/** CLIENT SETNAME takes no spaces or control characters; a server_name might hold some. */
export function connectionNameOf(proxyId: string): string {
  return `janus-cloud:${proxyId.replace(/[^!-~]/g, '_')}`;
}

export async function openRedisStores(config: StoreConfig, proxyId: string, logger: Logger, options: OpenStoresOptions = {}): Promise<Stores> {
  const log = logger.child({ component: 'stores', proxy: proxyId });
  const redis = openRedis({ ...redisTarget(config), logger: log, connectionName: connectionNameOf(proxyId) });
  const lease = new ProxyLease(redis, proxyId, config.proxy_ttl_s * 1000, log);
  const bus = new RedisBus(redis, proxyId, log);
  const servers = new RedisServerStore({ connection: redis, logger });
  const rooms = new RedisRoomStore(redis);
  const users = new RedisUserStore(redis, lease, log);
  const sessions = new RedisSessionStore(redis, lease, log);
  let routes: RedisRoomRoutes | undefined;
  // Stored tokens are read only with `general.token_auth` and no secret; otherwise nothing reads
  // them and an empty local store stands in (no subscription, no load).
  let tokens: RedisTokenStore | MemoryTokenStore | undefined = options.storedTokens === false ? new MemoryTokenStore() : undefined;
  let closing: Promise<void> | undefined;
  // Stores first (they stop using the connection), the lease next (given up at once), the connection last.
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await bus.close();
      await Promise.allSettled([users.close(), sessions.close(), rooms.close(), servers.close(), routes?.close(), tokens?.close()]);
      await lease.close();
      await redis.close();
    })();
    return closing;
  };
  const opening = (async () => {
    await Promise.all([lease.start(), bus.start()]);
    [routes, tokens] = await Promise.all([
      RedisRoomRoutes.open(redis, log.child({ component: 'room-routes' })),
      tokens ?? RedisTokenStore.open(redis, log.child({ component: 'tokens' })),
      rooms.listening(),
    ]);
    return { routes, tokens };
  })();
  const timeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(startupError(redis, `not ready within ${seconds(timeoutMs)}`)); }, timeoutMs);
  });
  let opened: { routes: RedisRoomRoutes; tokens: RedisTokenStore | MemoryTokenStore };
  try {
    opened = await Promise.race([opening, deadline]);
  } catch (err) {
    // Past the deadline the opening goes on until close() ends it: its failure is this one.
    opening.catch(() => undefined);
    const failure = err instanceof StartupError ? err : startupError(redis, `could not open the stores: ${reasonOf(err)}`);
    await close();
    throw failure;
  } finally {
    clearTimeout(timer);
  }
  return { servers, ...opened, users, bus, sessions, proxies: lease, rooms, close };
}

/** A store that could not open: the message is meant for the operator as it is (no stack needed). */
class StartupError extends Error {
  override readonly name = 'RedisStartupError';
}

/** Names the Redis address and the connections that are not up (read before they are closed). */
function startupError(redis: RedisConnection, reason: string): StartupError {
  const down = redis.notReady();
  const which = down.length === 0 ? '' : `; not connected: the ${down.join(' and ')} connection${down.length > 1 ? 's' : ''}`;
  return new StartupError(`Redis store at ${redis.where}: ${reason}${which}`);
}

/** ioredis' "max retries per request" says only that a command found no connection, retries included. */
function reasonOf(err: unknown): string {
  if (err instanceof Error && err.name === 'MaxRetriesPerRequestError') return 'no connection';
  return err instanceof Error ? err.message : String(err);
}

function seconds(ms: number): string {
  return `${String(Math.round(ms / 100) / 10)} s`;
}
