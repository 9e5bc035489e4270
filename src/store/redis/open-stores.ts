/**
 * Every store of a proxy over ONE Redis connection for commands plus its pub/sub subscriber
 * (connection.ts), with one close(). Both show in `CLIENT LIST` as `janus-cloud:<proxy id>-commands`
 * and `-subscriber`, so an operator sees which proxy holds which connection.
 *
 * The stores share the subscriber: each listens only to its own channels and subscribes them again
 * itself after every reconnection (ioredis' auto-resubscribe is off), so one store's failing
 * subscription, which drops the connection to get a fresh one, is repaired for all of them.
 */
import type { Logger } from 'pino';
import type { StoreConfig, Stores } from '../factory.js';
import { openRedis, redisTarget } from './connection.js';
import { ProxyLease } from './proxy-lease.js';
import { RedisBus } from './bus.js';
import { RedisServerStore } from './server-store.js';
import { RedisRoomStore } from './room-store.js';
import { RedisUserStore } from './user-store.js';
import { RedisSessionStore } from './session-store.js';
import { RedisRoomRoutes } from './room-routes.js';
import { RedisTokenStore } from './token-store.js';

/** CLIENT SETNAME takes no spaces or control characters; a server_name might hold some. */
export function connectionNameOf(proxyId: string): string {
  return `janus-cloud:${proxyId.replace(/[^!-~]/g, '_')}`;
}

export async function openRedisStores(config: StoreConfig, proxyId: string, logger: Logger): Promise<Stores> {
  const log = logger.child({ component: 'stores', proxy: proxyId });
  const redis = openRedis({ ...redisTarget(config), logger: log, connectionName: connectionNameOf(proxyId) });
  const lease = new ProxyLease(redis, proxyId, config.proxy_ttl_s * 1000, log);
  const bus = new RedisBus(redis, proxyId, log);
  const servers = new RedisServerStore({ connection: redis, logger });
  const rooms = new RedisRoomStore(redis);
  const users = new RedisUserStore(redis, lease, log);
  const sessions = new RedisSessionStore(redis, lease, log);
  let routes: RedisRoomRoutes | undefined;
  let tokens: RedisTokenStore | undefined;
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
  try {
    await Promise.all([lease.start(), bus.start()]);
    [routes, tokens] = await Promise.all([
      RedisRoomRoutes.open(redis, log.child({ component: 'room-routes' })),
      RedisTokenStore.open(redis, log.child({ component: 'tokens' })),
      rooms.listening(),
    ]);
  } catch (err) {
    await close();
    throw err;
  }
  return { servers, routes, tokens, users, bus, sessions, proxies: lease, rooms, close };
}
