// Janus stored tokens: the memory store and the Redis store (a real redis-server) pass one contract.
import { after, before } from 'node:test';
import { pino } from 'pino';
import { MemoryTokenStore } from '../../src/store/memory/token-store.js';
import { RedisTokenStore } from '../../src/store/redis/token-store.js';
import { openRedis } from '../../src/store/redis/connection.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { tokenStoreContract } from '../support/token-store-contract.js';

let redis: RedisInstance | undefined;
const run = Date.now().toString(36);

before(async () => { redis = await startRedis(); });
after(async () => { await redis?.stop(); });

tokenStoreContract('memory', () => {
  const store = new MemoryTokenStore();
  return Promise.resolve({ store, close: () => store.close() });
}, false);

tokenStoreContract('redis', async (group) => {
  if (!redis) throw new Error('redis-server did not start');
  // One prefix per group: two stores of a group are two proxies on one Redis.
  const prefix = `tokens-${run}-${group}:`;
  const connection = openRedis({ url: redis.url, keyPrefix: prefix });
  const store = await RedisTokenStore.open(connection, pino({ level: 'silent' }), true);
  return { store, close: () => store.close() };
}, true);
