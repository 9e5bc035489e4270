/**
 * What proxies share under this proxy's lease: the call plugins' username registry, the bus between
 * proxies (calls to another proxy's user, session hand-overs) and the client session records.
 * Memory (the default): this proxy only. Redis: one connection pair, a proxy lease that keeps this
 * proxy's users and session records alive, pub/sub bus.
 */
import type { Logger } from 'pino';
import type { StoreConfig } from './factory.js';
import type { UserStore } from './user-store.js';
import { MemoryBus, type MessageBus } from './bus.js';
import { MemoryUserStore } from './memory/user-store.js';
import type { SessionStore } from './session-store.js';
import { MemorySessionStore } from './memory/session-store.js';
import { LocalProxyDirectory, type ProxyDirectory } from './proxy-directory.js';

export interface CallStoreConfig extends StoreConfig {
  /** How long a dead proxy's users stay listed, at most. */
  proxy_ttl_s: number;
}

export interface CallStores {
  readonly users: UserStore;
  readonly bus: MessageBus;
  readonly sessions: SessionStore;
  /** The cluster's live proxies (just this one with the memory store). */
  readonly proxies: ProxyDirectory;
  close(): Promise<void>;
}

export async function createCallStores(config: CallStoreConfig, proxyId: string, logger: Logger): Promise<CallStores> {
  if (config.type === 'memory') {
    const users = new MemoryUserStore(proxyId);
    const bus = new MemoryBus(proxyId);
    const sessions = new MemorySessionStore(proxyId);
    return { users, bus, sessions, proxies: new LocalProxyDirectory(proxyId), close: async () => { await bus.close(); await users.close(); await sessions.close(); } };
  }
  const [{ openRedis, redisTarget }, { ProxyLease }, { RedisUserStore }, { RedisBus }, { RedisSessionStore }] = await Promise.all([
    import('./redis/connection.js'), import('./redis/proxy-lease.js'), import('./redis/user-store.js'), import('./redis/bus.js'),
    import('./redis/session-store.js'),
  ]);
  const log = logger.child({ component: 'call-stores', proxy: proxyId });
  const redis = openRedis({ ...redisTarget(config), logger: log, connectionName: 'janus-cloud-calls' });
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
  const sessions = new RedisSessionStore(redis, lease, log);
  return {
    users,
    bus,
    sessions,
    proxies: lease,
    async close() {
      await bus.close();
      await users.close();
      await sessions.close();
      await lease.close();
      await redis.close();
    },
  };
}
