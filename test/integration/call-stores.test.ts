// The call plugins' shared state: the user store (memory, and Redis with proxy leases) and the bus
// between proxies (memory, and Redis pub/sub), against a real redis-server.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startRedis, redisCommand, type RedisInstance } from '../support/redis-fixture.js';
import { pollUntil } from '../support/processes.js';
import { MemoryUserStore } from '../../src/store/memory/user-store.js';
import type { UserStore } from '../../src/store/user-store.js';
import type { JsonObject } from '../../src/protocol/messages.js';
import { openStores, type Stores } from '../../src/store/factory.js';

const logger = pino({ level: 'silent' });
const NS = 'videocall';

/** What every user store must do, whatever keeps the entries. */
function userStoreContract(name: string, make: () => Promise<{ store: UserStore; other: UserStore; done: () => Promise<void> }>): void {
  describe(`${name} user store`, () => {
    it('claims, looks up, lists and releases usernames, per namespace', async () => {
      const { store, done } = await make();
      try {
        const p = store.proxyId;
        assert.equal(await store.claim(NS, { username: 'alice', proxy: p, owner: 'h1' }), true);
        assert.equal(await store.claim(NS, { username: 'alice', proxy: p, owner: 'h1' }), true, 'the holder may claim again');
        assert.equal(await store.claim(NS, { username: 'alice', proxy: p, owner: 'h2' }), false, 'taken');
        assert.equal(await store.claim('p2pcall', { username: 'alice', proxy: p, owner: 'h3' }), true, 'namespaces are apart');
        assert.deepEqual(await store.lookup(NS, 'alice'), { username: 'alice', proxy: p, owner: 'h1' });
        assert.equal(await store.lookup(NS, 'bob'), undefined);
        assert.deepEqual(await store.list(NS), ['alice']);
        await store.release(NS, 'alice', 'h2');
        assert.deepEqual(await store.list(NS), ['alice'], 'only the holder releases');
        await store.release(NS, 'alice', 'h1');
        assert.deepEqual(await store.list(NS), []);
        assert.equal(await store.claim(NS, { username: 'alice', proxy: p, owner: 'h2' }), true, 'free again');
      } finally {
        await done();
      }
    });

    it('sees the names another proxy holds and cannot take them', async () => {
      const { store, other, done } = await make();
      try {
        assert.equal(await other.claim(NS, { username: 'carol', proxy: other.proxyId, owner: 'o1' }), true);
        assert.deepEqual(await store.lookup(NS, 'carol'), { username: 'carol', proxy: other.proxyId, owner: 'o1' });
        assert.equal(await store.claim(NS, { username: 'carol', proxy: store.proxyId, owner: 'h1' }), false);
        assert.ok((await store.list(NS)).includes('carol'));
      } finally {
        await done();
      }
    });
  });
}

describe('call stores', () => {
  let redis: RedisInstance;
  let prefixes = 0;

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis.stop();
  });

  userStoreContract('memory', () => {
    // One memory store serves every "proxy" of a process: the other proxy is the same store under another id.
    const store = new MemoryUserStore('p1');
    return Promise.resolve({ store, other: { ...bind(store), proxyId: 'p2' }, done: () => store.close() });
  });

  async function redisPair(ttlS = 15): Promise<{ a: Stores; b: Stores; prefix: string }> {
    const prefix = `t${String(++prefixes)}:`;
    const config = { type: 'redis' as const, redis_url: redis.url, key_prefix: prefix, proxy_ttl_s: ttlS };
    const [a, b] = await Promise.all([openStores(config, 'proxy-a', logger), openStores(config, 'proxy-b', logger)]);
    return { a, b, prefix };
  }

  userStoreContract('redis', async () => {
    const { a, b } = await redisPair();
    return { store: a.users, other: b.users, done: async () => { await a.close(); await b.close(); } };
  });

  it('redis: a dead proxy\'s users vanish when its lease runs out, and their entries are collected', async () => {
    const { a, b, prefix } = await redisPair();
    try {
      // A proxy that took its lease and then died: nobody refreshes it.
      await redisCommand(redis.port, ['SET', `${prefix}proxy:proxy-dead`, '1', 'PX', '300']);
      assert.equal(await a.users.claim(NS, { username: 'bob', proxy: 'proxy-dead', owner: 'o' }), true);
      assert.equal(await a.users.claim(NS, { username: 'carol', proxy: 'proxy-b', owner: 'o' }), true);
      assert.deepEqual((await b.users.list(NS)).sort(), ['bob', 'carol']);
      await pollUntil('bob to vanish', async () => ((await b.users.list(NS)).includes('bob') ? undefined : true), 2_000, 50);
      assert.deepEqual(await b.users.list(NS), ['carol'], 'live proxies keep their users');
      assert.equal(await a.users.lookup(NS, 'bob'), undefined);
      assert.equal(await redisCommand(redis.port, ['HEXISTS', `${prefix}users:${NS}`, 'bob']), 0, 'dead entries are deleted');
      assert.equal(await a.users.claim(NS, { username: 'bob', proxy: 'proxy-a', owner: 'n' }), true, 'and the name is free');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('redis: a closed proxy gives its lease up at once', async () => {
    const { a, b } = await redisPair();
    await b.users.claim(NS, { username: 'dave', proxy: 'proxy-b', owner: 'o' });
    await b.close();
    assert.deepEqual(await a.users.list(NS), []);
    await a.close();
  });

  it('bus: delivers between proxies in order, to itself, and says when nobody listens', async () => {
    const { a, b, prefix } = await redisPair();
    try {
      const got: [string, JsonObject][] = [];
      b.bus.subscribe('t', (message, from) => got.push([from, message]));
      const self: JsonObject[] = [];
      a.bus.subscribe('t', (message) => self.push(message));
      for (let i = 0; i < 20; i++) assert.equal(await a.bus.publish('proxy-b', 't', { i }), true);
      assert.equal(await a.bus.publish('proxy-a', 't', { self: true }), true);
      assert.equal(await a.bus.publish('proxy-z', 't', { i: -1 }), false);
      await redisCommand(redis.port, ['PUBLISH', `${prefix}bus:proxy-b`, 'not json']);
      await pollUntil('20 messages', () => (got.length === 20 ? true : undefined), 2_000, 20);
      assert.deepEqual(got.map(([from, m]) => [from, m.i]), Array.from({ length: 20 }, (_, i) => ['proxy-a', i]));
      assert.deepEqual(self, [{ self: true }]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

/** The store's methods bound to it, so a copy can pose as another proxy. */
function bind(store: UserStore): UserStore {
  return {
    proxyId: store.proxyId,
    claim: store.claim.bind(store),
    lookup: store.lookup.bind(store),
    list: store.list.bind(store),
    release: store.release.bind(store),
    close: store.close.bind(store),
  };
}
