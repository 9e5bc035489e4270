// openStores with `store.type: memory`: every store a proxy needs, working, under this proxy's id, and one close().
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { openStores, type StoreConfig } from '../../src/store/factory.js';
import type { JsonObject } from '../../src/protocol/messages.js';

const logger = pino({ level: 'silent' });
const MEMORY: StoreConfig = { type: 'memory', redis_url: 'redis://127.0.0.1:1', key_prefix: 'janus-cloud:', proxy_ttl_s: 15 };

describe('openStores (memory)', () => {
  it('opens every store without touching Redis (redis_url points nowhere)', async () => {
    const stores = await openStores(MEMORY, 'proxy-1', logger);
    try {
      for (const name of ['servers', 'routes', 'tokens', 'users', 'bus', 'sessions', 'proxies', 'rooms'] as const) {
        assert.ok(stores[name], `${name} is there`);
      }
      assert.equal(stores.users.proxyId, 'proxy-1');
      assert.equal(stores.sessions.proxyId, 'proxy-1');
      assert.equal(stores.bus.proxyId, 'proxy-1');
      assert.equal(stores.rooms.shared, false, 'memory rooms are this proxy\'s own');
    } finally {
      await stores.close();
    }
  });

  it('each store works', async () => {
    const stores = await openStores(MEMORY, 'proxy-1', logger);
    try {
      const changed: string[] = [];
      stores.servers.onChange((name) => changed.push(name));
      await stores.servers.upsert({ name: 'janus-1', url: 'ws://127.0.0.1:8188', status: 'up' }, 'static', Date.now());
      assert.deepEqual((await stores.servers.list()).map((s) => s.name), ['janus-1']);
      assert.deepEqual(changed, ['janus-1']);

      stores.routes.set('janus.plugin.audiobridge', 1234, 'janus-1');
      assert.equal(stores.routes.get('janus.plugin.audiobridge', 1234), 'janus-1');

      await stores.tokens.add('t1', ['janus.plugin.echotest']);
      assert.deepEqual(stores.tokens.plugins('t1'), ['janus.plugin.echotest']);

      assert.equal(await stores.users.claim('videocall', { username: 'alice', proxy: 'proxy-1', owner: 'h1' }), true);
      assert.deepEqual(await stores.users.list('videocall'), ['alice']);

      const got: JsonObject[] = [];
      stores.bus.subscribe('topic', (message) => got.push(message));
      assert.equal(await stores.bus.publish('proxy-1', 'topic', { n: 1 }), true, 'a message to itself');
      assert.equal(await stores.bus.publish('proxy-2', 'topic', { n: 2 }), false, 'nobody else listens');
      await new Promise<void>((resolve) => { queueMicrotask(resolve); });
      assert.deepEqual(got, [{ n: 1 }]);

      stores.proxies.describeWith(() => ({
        server_name: 'p', pid: process.pid, host: 'h', started_at: 1, sessions: 0, handles: 0, accepting_new_sessions: true,
      }));
      assert.deepEqual((await stores.proxies.list()).map((p) => p.id), ['proxy-1']);

      await stores.rooms.listening();
      assert.deepEqual(await stores.rooms.list(), []);
    } finally {
      await stores.close();
    }
  });

  it('close() closes every store once and may be called again', async () => {
    const stores = await openStores(MEMORY, 'proxy-1', logger);
    await Promise.all([stores.close(), stores.close()]);
    await stores.close();
    assert.equal(await stores.bus.publish('proxy-1', 'topic', {}), false, 'the bus is closed');
  });

  it('two opens are two proxies apart: memory stores are not shared', async () => {
    const [a, b] = await Promise.all([openStores(MEMORY, 'proxy-a', logger), openStores(MEMORY, 'proxy-b', logger)]);
    try {
      await a.users.claim('videocall', { username: 'bob', proxy: 'proxy-a', owner: 'h' });
      assert.deepEqual(await b.users.list('videocall'), []);
      assert.equal(await a.bus.publish('proxy-b', 'topic', {}), false);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
