// Decision 17 against a real redis-server: a proxy's stores share ONE command connection and one
// pub/sub subscriber (CLIENT LIST by name), and every store follows its channels again after that
// shared subscriber is cut.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startRedis, redisCommand, type RedisInstance } from '../support/redis-fixture.js';
import { pollUntil } from '../support/processes.js';
import { startTestProxy } from '../support/proxy-fixture.js';
import { openStores, type StoreConfig, type Stores } from '../../src/store/factory.js';
import type { RoomChange, RoomRecord } from '../../src/store/room-store.js';
import type { JsonObject } from '../../src/protocol/messages.js';

const logger = pino({ level: 'silent' });
const AUDIOBRIDGE = 'janus.plugin.audiobridge';

interface Client {
  id: string;
  name: string;
  sub: number;
}

/** Every client connection Redis has, but the one asking. */
async function clients(port: number): Promise<Client[]> {
  const list = await redisCommand(port, ['CLIENT', 'LIST']);
  if (typeof list !== 'string') throw new Error('CLIENT LIST: not a string');
  return list.split('\n').filter((line) => line.trim() !== '' && !line.includes(' cmd=client|list')).map((line) => {
    const fields = new Map(line.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    return { id: fields.get('id') ?? '', name: fields.get('name') ?? '', sub: Number(fields.get('sub') ?? 0) };
  });
}

function room(id: number): RoomRecord {
  return {
    id, params: { publishers: 6 }, secret: undefined, description: `Room ${String(id)}`, isPrivate: false, permanent: false,
    allowed: { enabled: false, tokens: [] }, listEntry: {}, publishersPerBackend: 2, backends: ['janus-1'], participants: {}, createdAt: 1,
  };
}

describe('openStores over Redis', () => {
  let redis: RedisInstance;
  let prefixes = 0;

  before(async () => { redis = await startRedis(); });
  after(async () => { await redis.stop(); });

  const config = (): StoreConfig => ({ type: 'redis', redis_url: redis.url, key_prefix: `os${String(++prefixes)}:`, proxy_ttl_s: 15 });

  it('a proxy holds exactly two Redis connections, named after it, and none once stopped', async () => {
    const store = config();
    const proxy = await startTestProxy([], { store: { type: 'redis', redis_url: redis.url, key_prefix: store.key_prefix } });
    let stopped = false;
    try {
      const name = `janus-cloud:${proxy.proxyId}`;
      // The servers channel is subscribed when the registry starts listening: wait for all six.
      const mine = await pollUntil('the proxy\'s subscriber on every channel', async () => {
        const all = await clients(redis.port);
        return all.find((c) => c.name === `${name}-subscriber`)?.sub === 6 ? all : undefined;
      }, 10_000);
      assert.deepEqual(mine.map((c) => c.name).sort(), [`${name}-commands`, `${name}-subscriber`], 'nothing else is connected');
      const channels = await redisCommand(redis.port, ['PUBSUB', 'CHANNELS', `${store.key_prefix}*`]);
      assert.deepEqual((channels as string[]).sort(), [
        `${store.key_prefix}bus:${proxy.proxyId}`, `${store.key_prefix}room-routes:changed`, `${store.key_prefix}servers:changed`,
        `${store.key_prefix}tokens:changed`, `${store.key_prefix}vrooms:changed`, `${store.key_prefix}vrooms:events`,
      ]);

      // A client session (a session record), the proxy list (the lease), the room list (the room store).
      const created = await fetch(proxy.httpUrl ?? '', { method: 'POST', body: JSON.stringify({ janus: 'create', transaction: 't1' }) });
      assert.equal(((await created.json()) as JsonObject).janus, 'success');
      const auth = { authorization: 'Bearer test-admin-token' };
      assert.equal((await fetch(`${proxy.adminUrl ?? ''}/proxies`, { headers: auth })).status, 200);
      assert.equal((await fetch(`${proxy.adminUrl ?? ''}/rooms`, { headers: auth })).status, 200);
      assert.deepEqual((await clients(redis.port)).map((c) => c.name).sort(), [`${name}-commands`, `${name}-subscriber`], 'still two');

      await proxy.stop();
      stopped = true;
      await pollUntil('no connection left', async () => ((await clients(redis.port)).length === 0 ? true : undefined), 5_000);
    } finally {
      if (!stopped) await proxy.stop();
    }
  });

  it('two proxies on one Redis: two connections each', async () => {
    const store = { type: 'redis', redis_url: redis.url, key_prefix: config().key_prefix };
    const a = await startTestProxy([], { store });
    try {
      const b = await startTestProxy([], { store });
      try {
        const names = (await clients(redis.port)).map((c) => c.name).sort();
        assert.deepEqual(names, [a.proxyId, b.proxyId].sort().flatMap((id) => [`janus-cloud:${id}-commands`, `janus-cloud:${id}-subscriber`]));
      } finally {
        await b.stop();
      }
    } finally {
      await a.stop();
    }
  });

  it('after the shared subscriber is cut, every store hears the other proxy again', async () => {
    const cfg = config();
    const opened: Stores[] = [];
    try {
      const a = await openStores(cfg, 'proxy-a', logger);
      opened.push(a);
      const b = await openStores(cfg, 'proxy-b', logger);
      opened.push(b);
      const servers: string[] = [];
      a.servers.onChange((name) => servers.push(name));
      const rooms: RoomChange[] = [];
      a.rooms.watch((change) => rooms.push(change));
      const messages: JsonObject[] = [];
      a.bus.subscribe('hello', (message) => messages.push(message));
      await b.tokens.add('gone-while-cut', ['janus.plugin.echotest']);
      await pollUntil('proxy A loads the token', () => (a.tokens.plugins('gone-while-cut') ? true : undefined), 5_000, 20);

      const subscriber = async (): Promise<Client | undefined> => (await clients(redis.port)).find((c) => c.name === 'janus-cloud:proxy-a-subscriber');
      const before = await pollUntil('A on six channels', async () => { const s = await subscriber(); return s?.sub === 6 ? s : undefined; }, 5_000);
      // Cut it while the token is removed: the announcement is lost, the reload must catch it.
      await redisCommand(redis.port, ['CLIENT', 'KILL', 'ID', before.id]);
      await b.tokens.remove('gone-while-cut');
      const after = await pollUntil('A subscribed again on six channels', async () => {
        const s = await subscriber();
        return s && s.id !== before.id && s.sub === 6 ? s : undefined;
      }, 10_000);
      assert.notEqual(after.id, before.id);
      await pollUntil('the removed token is gone on A', () => (a.tokens.plugins('gone-while-cut') === undefined ? true : undefined), 5_000, 20);

      b.routes.set(AUDIOBRIDGE, 77, 'janus-2');
      await b.tokens.add('t-after', ['janus.plugin.videoroom']);
      await b.servers.upsert({ name: 'janus-9', url: 'ws://127.0.0.1:9', status: 'up' }, 'rest', Date.now());
      assert.equal(await b.rooms.create(room(3001)), true);
      assert.equal(await b.bus.publish('proxy-a', 'hello', { n: 1 }), true, 'A listens on the bus again');
      await pollUntil('A hears every change', () => (
        a.routes.get(AUDIOBRIDGE, 77) === 'janus-2' && a.tokens.plugins('t-after') !== undefined && servers.includes('janus-9')
        && rooms.some((r) => r.room === '3001') && messages.length === 1 ? true : undefined
      ), 5_000, 20);
      assert.equal((await clients(redis.port)).filter((c) => c.name.startsWith('janus-cloud:proxy-a-')).length, 2, 'still two connections');
    } finally {
      for (const stores of opened.reverse()) await stores.close();
    }
  });

  it('rejects with nothing left open when Redis cannot be reached', async () => {
    const down: StoreConfig = { type: 'redis', redis_url: 'redis://127.0.0.1:1', key_prefix: 'down:', proxy_ttl_s: 15, command_timeout_ms: 500 };
    await assert.rejects(openStores(down, 'proxy-down', logger));
  });
});
