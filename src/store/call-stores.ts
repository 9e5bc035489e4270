/**
 * What the call plugins (videocall, p2pcall) share between proxies: the username registry and the
 * bus that carries a call to the proxy of the user called. Memory (the default): this proxy only.
 * Redis: one connection pair, a proxy lease that keeps this proxy's users alive, pub/sub bus.
 */
import type { Logger } from 'pino';
import type { StoreConfig } from './factory.js';
import type { UserStore } from './user-store.js';
import { MemoryBus, type MessageBus } from './bus.js';
import { MemoryUserStore } from './memory/user-store.js';

export interface CallStoreConfig extends StoreConfig {
  /** How long a dead proxy's users stay listed, at most. */
  proxy_ttl_s: number;
}

export interface CallStores {
  readonly users: UserStore;
  readonly bus: MessageBus;
  close(): Promise<void>;
}

export async function createCallStores(config: CallStoreConfig, proxyId: string, logger: Logger): Promise<CallStores> {
  if (config.type === 'memory') {
    const users = new MemoryUserStore(proxyId);
    const bus = new MemoryBus(proxyId);
    return { users, bus, close: async () => { await bus.close(); await users.close(); } };
  }
  const [{ openRedis }, { ProxyLease }, { RedisUserStore }, { RedisBus }] = await Promise.all([
    import('./redis/connection.js'), import('./redis/proxy-lease.js'), import('./redis/user-store.js'), import('./redis/bus.js'),
  ]);
  const log = logger.child({ component: 'call-stores', proxy: proxyId });
  const redis = openRedis({ url: config.redis_url, keyPrefix: config.key_prefix, logger: log, connectionName: 'janus-cloud-calls' });
  const lease = new ProxyLease(redis, proxyId, config.proxy_ttl_s * 1000, log);
  const bus = new RedisBus(redis, proxyId, log);
  try {
    await Promise.all([lease.start(), bus.start()]);
  } catch (err) {
    await bus.close();
    await redis.close();
    throw err;
  }
  const users = new RedisUserStore(redis, lease, log);
  return {
    users,
    bus,
    async close() {
      await bus.close();
      await users.close();
      await lease.close();
      await redis.close();
    },
  };
}
