/** Builds the configured server store: memory (default) or Redis (loaded only when configured). */
import type { Logger } from 'pino';
import type { ServerStore } from './server-store.js';
import { MemoryServerStore } from './memory/server-store.js';

export interface StoreConfig {
  type: 'memory' | 'redis';
  redis_url: string;
  key_prefix: string;
}

export async function createServerStore(config: StoreConfig, logger: Logger): Promise<ServerStore> {
  if (config.type === 'memory') return new MemoryServerStore();
  const { RedisServerStore } = await import('./redis/server-store.js');
  return new RedisServerStore({ url: config.redis_url, keyPrefix: config.key_prefix, logger });
}
