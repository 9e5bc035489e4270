// One VideoRoom cluster for multi-proxy tests: real Redis, `size` Janus on the test LAN (remote
// publishers carry media) and `size` proxy processes sharing the Redis, each with one backend room
// secret as a cluster's proxies share their config; plus an inspector per Janus and what to close.
import { startJanusCluster, type JanusInstance } from './janus-fixture.js';
import { startRedis, type RedisInstance } from './redis-fixture.js';
import type { ProxyProcess } from './proxy-process.js';
import { startSharedStoreProxies, TestClients } from './shared-store-proxies.js';
import { JanusInspector } from './videoroom-inspect.js';

export const BACKEND_ROOM_SECRET = 'test-backend-room-secret';

export interface RoomCluster {
  redis: RedisInstance;
  janus: JanusInstance[];
  proxies: ProxyProcess[];
  inspectors: JanusInspector[];
  clients: TestClients;
  /** Media peers to close at the end. */
  peers: { close(): Promise<void> }[];
  stop(): Promise<void>;
}

export type RoomClusterOptions = {
  /** Proxies, when not one per Janus. */
  proxies?: number;
  /** Janus's own reclaim window (s), for tests where a proxy dies. */
  janusReclaimS?: number;
  /** Added to every proxy's config (`general` and `store` merge into theirs). */
  proxyConfig?: Record<string, unknown>;
};

export async function startRoomCluster(size: number, opts: RoomClusterOptions = {}): Promise<RoomCluster> {
  const [redisStarted, janusStarted] = await Promise.allSettled([startRedis(), startJanusCluster(size, {
    lan: true, plugins: ['videoroom'], videoroom: {}, ...(opts.janusReclaimS ? { reclaimSessionTimeout: opts.janusReclaimS } : {}),
  })]);
  if (redisStarted.status === 'rejected' || janusStarted.status === 'rejected') {
    if (redisStarted.status === 'fulfilled') await redisStarted.value.stop();
    if (janusStarted.status === 'fulfilled') await Promise.all(janusStarted.value.map((j) => j.stop()));
    throw redisStarted.status === 'rejected' ? redisStarted.reason : (janusStarted as PromiseRejectedResult).reason;
  }
  const redis = redisStarted.value;
  const janus = janusStarted.value;
  const names = Array.from({ length: opts.proxies ?? size }, (_, i) => `proxy-${String.fromCharCode(97 + i)}`);
  let proxies: ProxyProcess[] = [];
  let inspectors: JanusInspector[];
  try {
    proxies = await startSharedStoreProxies(janus, redis, names, { videoroom: { backend_room_secret: BACKEND_ROOM_SECRET }, ...opts.proxyConfig });
    inspectors = await Promise.all(janus.map((j) => JanusInspector.open(j)));
  } catch (err) {
    // The caller gets no cluster to stop: what started stops here, or the test process never ends.
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
    throw err;
  }
  const clients = new TestClients();
  const peers: { close(): Promise<void> }[] = [];
  return {
    redis, janus, proxies, inspectors, clients, peers,
    async stop() {
      await Promise.all(peers.map((p) => p.close().catch(() => undefined)));
      await clients.closeAll();
      await Promise.all(inspectors.map((i) => i.close().catch(() => undefined)));
      await Promise.all(proxies.map((p) => p.stop()));
      await Promise.all(janus.map((j) => j.stop()));
      await redis.stop();
    },
  };
}
