// Session records (memory and Redis against a real redis-server) pass one contract.
import { after, before } from 'node:test';
import { pino } from 'pino';
import { MemorySessionHub, MemorySessionStore } from '../../src/store/memory/session-store.js';
import { RedisSessionStore } from '../../src/store/redis/session-store.js';
import { ProxyLease } from '../../src/store/redis/proxy-lease.js';
import { openRedis } from '../../src/store/redis/connection.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { sessionStoreContract } from '../support/session-store-contract.js';

let redis: RedisInstance | undefined;
before(async () => { redis = await startRedis(); });
after(async () => { await redis?.stop(); });

sessionStoreContract('memory', () => {
  const hub = new MemorySessionHub();
  return (proxyId) => {
    const store = new MemorySessionStore(proxyId, hub);
    return Promise.resolve({ store, close: () => store.close() });
  };
});

sessionStoreContract('redis', (cluster) => async (proxyId) => {
  if (!redis) throw new Error('redis-server did not start');
  const logger = pino({ level: 'silent' });
  const connection = openRedis({ url: redis.url, keyPrefix: `sessions-${cluster}:` });
  const lease = new ProxyLease(connection, proxyId, 10_000, logger);
  await lease.start();
  const store = new RedisSessionStore(connection, lease, logger);
  return { store, close: async () => { await store.close(); await lease.close(); await connection.close(); } };
});
