/** Builds the configured server store: memory (default) or Redis (loaded only when configured). */
import type { Logger } from 'pino';
import type { ServerStore } from './server-store.js';
import { MemoryServerStore } from './memory/server-store.js';
import { MemoryRoomRoutes, type RoomRoutes } from './room-routes.js';
import type { TokenStore } from './token-store.js';
import type { RedisStoreSettings } from './redis/connection.js';
import { MemoryTokenStore } from './memory/token-store.js';

export interface StoreConfig extends RedisStoreSettings {
  type: 'memory' | 'redis';
}

export async function createServerStore(config: StoreConfig, logger: Logger): Promise<ServerStore> {
  if (config.type === 'memory') return new MemoryServerStore();
  const [{ RedisServerStore }, { redisTarget }] = await Promise.all([import('./redis/server-store.js'), import('./redis/connection.js')]);
  return new RedisServerStore({ ...redisTarget(config), logger });
}

/** Room → backend routes of room-routed pass-through plugins: per proxy in memory, shared in Redis. */
export async function createRoomRoutes(config: StoreConfig, logger: Logger): Promise<{ routes: RoomRoutes; close(): Promise<void> }> {
  if (config.type === 'memory') return { routes: new MemoryRoomRoutes(), close: () => Promise.resolve() };
  const [{ openRedis, redisTarget }, { RedisRoomRoutes }] = await Promise.all([import('./redis/connection.js'), import('./redis/room-routes.js')]);
  const redis = openRedis({ ...redisTarget(config), logger, connectionName: 'janus-cloud-room-routes' });
  try {
    return { routes: await RedisRoomRoutes.open(redis, logger), close: () => redis.close() };
  } catch (err) {
    await redis.close();
    throw err;
  }
}

/** Janus stored tokens: per proxy in memory, shared by every proxy in Redis. */
export async function createTokenStore(config: StoreConfig, logger: Logger): Promise<TokenStore> {
  if (config.type === 'memory') return new MemoryTokenStore();
  const [{ openRedis, redisTarget }, { RedisTokenStore }] = await Promise.all([import('./redis/connection.js'), import('./redis/token-store.js')]);
  const redis = openRedis({ ...redisTarget(config), logger, connectionName: 'janus-cloud-tokens' });
  try {
    return await RedisTokenStore.open(redis, logger, true);
  } catch (err) {
    await redis.close();
    throw err;
  }
}
