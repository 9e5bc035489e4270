/**
 * The report sinks that are stores rather than proxies: the Redis server registry when
 * `report.redis` is configured (loaded only then, so ioredis is not touched otherwise).
 */
import type { Logger } from 'pino';
import type { SentinelConfig } from '../config/sentinel-schema.js';
import type { ReportStore } from './report-sinks.js';

export interface StoreSinkSpec {
  label: string;
  store: ReportStore;
}

export interface OpenedStores {
  stores: StoreSinkSpec[];
  close: () => Promise<void>;
}

export async function openConfiguredStores(config: SentinelConfig, logger: Logger): Promise<OpenedStores> {
  const redis = config.report.redis;
  if (!redis) return { stores: [], close: () => Promise.resolve() };
  const { RedisServerStore } = await import('../store/redis/server-store.js');
  const store = new RedisServerStore({ url: redis.url, keyPrefix: redis.key_prefix, logger });
  return { stores: [{ label: 'redis', store }], close: () => store.close() };
}
