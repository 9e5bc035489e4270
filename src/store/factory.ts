/**
 * The one place a proxy opens its stores (architecture.md, decision 17): every store, the bus and
 * the proxy directory, in memory (`store.type: memory`, the default: this proxy alone) or in Redis
 * (over one connection plus its pub/sub subscriber, and one more for WAITed writes with
 * `wait_replicas`; loaded only when configured, so ioredis is not touched otherwise). src/proxy.ts opens them and hands each module the ones it needs.
 */
import type { Logger } from 'pino';
import type { ServerStore } from './server-store.js';
import type { RoomStore } from './room-store.js';
import type { UserStore } from './user-store.js';
import type { SessionStore } from './session-store.js';
import type { TokenStore } from './token-store.js';
import type { RedisStoreSettings } from './redis/connection.js';
import { keepStringPrototypeFast } from './redis/string-prototype.js';
import { MemoryServerStore } from './memory/server-store.js';
import { MemoryRoomStore } from './memory/room-store.js';
import { MemoryUserStore } from './memory/user-store.js';
import { MemorySessionStore } from './memory/session-store.js';
import { MemoryTokenStore } from './memory/token-store.js';
import { MemoryRoomRoutes, type RoomRoutes } from './room-routes.js';
import { MemoryBus, type MessageBus } from './bus.js';
import { LocalProxyDirectory, type ProxyDirectory } from './proxy-directory.js';

/** The config's `store` section, as far as the stores read it. */
export interface StoreConfig extends RedisStoreSettings {
  type: 'memory' | 'redis';
  /** Redis: this proxy's lease lives this long unrefreshed; a dead proxy's records count no longer. */
  proxy_ttl_s: number;
}

export interface Stores {
  /** Backend server records (src/cluster/registry.ts). */
  readonly servers: ServerStore;
  /** Room → backend pins of the room-routed pass-through plugins. */
  readonly routes: RoomRoutes;
  /**
   * Janus stored tokens (`general.token_auth` without a secret). Opened with `storedTokens: false`:
   * an empty store of this proxy's own, even with Redis (nothing reads it then).
   */
  readonly tokens: TokenStore;
  /** The VideoCall/P2PCall username registry. */
  readonly users: UserStore;
  /** Messages between proxies. */
  readonly bus: MessageBus;
  /** Client session and handle records (take-overs, HTTP forwarding, the cluster-wide Admin API). */
  readonly sessions: SessionStore;
  /** The cluster's live proxies (Redis: this proxy's lease among them; memory: just this one). */
  readonly proxies: ProxyDirectory;
  /** VideoRoom rooms. */
  readonly rooms: RoomStore;
  /** Closes every store, then the connection; safe to call twice. */
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  /** Whether stored tokens are used (`general.token_auth` without a secret); default true. */
  storedTokens?: boolean;
  /** Redis: opening fails after this long (a connection that never gets ready); default 20 s. */
  startupTimeoutMs?: number;
}

/**
 * Opens every store. With Redis it resolves once the lease is taken and every subscription is
 * live (other proxies reach this one from before its first client), and rejects, with nothing left
 * open and an error naming the Redis address and the connections not up, when Redis cannot be
 * reached or does not get ready within `startupTimeoutMs`.
 */
export async function openStores(config: StoreConfig, proxyId: string, logger: Logger, options: OpenStoresOptions = {}): Promise<Stores> {
  if (config.type === 'memory') return openMemoryStores(proxyId);
  const { openRedisStores } = await import('./redis/open-stores.js');
  keepStringPrototypeFast(); // ioredis, just loaded, slows every string scan otherwise
  return openRedisStores(config, proxyId, logger, options);
}

function openMemoryStores(proxyId: string): Stores {
  const stores = {
    servers: new MemoryServerStore(),
    routes: new MemoryRoomRoutes(),
    tokens: new MemoryTokenStore(),
    users: new MemoryUserStore(proxyId),
    bus: new MemoryBus(proxyId),
    sessions: new MemorySessionStore(proxyId),
    proxies: new LocalProxyDirectory(proxyId),
    rooms: new MemoryRoomStore(),
  };
  let closing: Promise<void> | undefined;
  return {
    ...stores,
    close() {
      closing ??= (async () => {
        const { servers, tokens, users, bus, sessions, rooms } = stores;
        await bus.close();
        await Promise.all([users.close(), sessions.close(), rooms.close(), tokens.close(), servers.close()]);
      })();
      return closing;
    },
  };
}
