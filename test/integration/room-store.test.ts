// The VideoRoom room stores (memory, Redis against a real redis-server) pass one contract.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryRoomStore } from '../../src/store/memory/room-store.js';
import { RedisRoomStore } from '../../src/store/redis/room-store.js';
import type { RoomChange, RoomEvent } from '../../src/store/room-store.js';
import { openRedis } from '../../src/store/redis/connection.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { roomStoreContract } from '../support/room-store-contract.js';
import { startJanusCluster } from '../support/janus-fixture.js';
import { startTestProxy } from '../support/proxy-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { videoRoomHandle } from '../support/videoroom-direct.js';

let redis: RedisInstance | undefined;
let prefixes = 0;

before(async () => { redis = await startRedis(); });
after(async () => { await redis?.stop(); });

roomStoreContract('memory', () => {
  const store = new MemoryRoomStore();
  return Promise.resolve({ store, close: () => store.close() });
});

roomStoreContract('redis', () => {
  if (!redis) throw new Error('redis-server did not start');
  const connection = openRedis({ url: redis.url, keyPrefix: `rooms-test-${String(++prefixes)}:` });
  // The contract's proxies hold leases (member counts of proxies without one do not count).
  const leases = Promise.all(['proxy-a', 'proxy-b'].map((p) => connection.client.set(connection.key('proxy', p), '1')));
  return leases.then(() => ({ store: new RedisRoomStore(connection), close: () => connection.close() }));
});

describe('RedisRoomStore: member counts of a dead proxy', () => {
  it('stop counting once its lease is gone, and are dropped', async () => {
    if (!redis) throw new Error('redis-server did not start');
    const connection = openRedis({ url: redis.url, keyPrefix: `rooms-dead-${String(++prefixes)}:` });
    try {
      const store = new RedisRoomStore(connection);
      await connection.client.set(connection.key('proxy', 'alive'), '1');
      await store.countMember(7, 'alive', 'janus-1', 1);
      await store.countMember(7, 'dead', 'janus-1', 1);
      assert.equal(await store.membersElsewhere(7, 'me', 'janus-1'), 1);
      assert.deepEqual(Object.keys(await connection.client.hgetall(connection.key('vroom', '7', 'members'))), ['alive|janus-1']);
    } finally {
      await connection.close();
    }
  });
});

describe('RedisRoomStore: taking a room over', () => {
  it('sets the owner only if it is still the one read, so that of two racers one wins', async () => {
    if (!redis) throw new Error('redis-server did not start');
    const prefix = `rooms-owner-${String(++prefixes)}:`;
    const [a, b] = [openRedis({ url: redis.url, keyPrefix: prefix }), openRedis({ url: redis.url, keyPrefix: prefix })];
    try {
      const [first, second] = [new RedisRoomStore(a), new RedisRoomStore(b)];
      assert.equal(await first.takeOwnership(9, undefined, 'p1'), 0, 'no room, no owner');
      await first.create({ id: 9, params: {}, secret: undefined, description: 'd', isPrivate: false, permanent: false,
        allowed: { enabled: false, tokens: [] }, listEntry: {}, publishersPerBackend: 1, backends: [], participants: {}, createdAt: 1 });
      const raced = await Promise.all([first.takeOwnership(9, undefined, 'p1'), second.takeOwnership(9, undefined, 'p2')]);
      assert.equal(raced.filter((v) => v > 0).length, 1, `one winner: ${JSON.stringify(raced)}`);
      const winner = raced[0] > 0 ? 'p1' : 'p2';
      assert.equal((await second.get(9))?.owner, winner);
      assert.equal((await second.get(9))?.version, 2);
      // A stale take-over (from the room without owner) loses; one from the current owner wins.
      assert.equal(await second.takeOwnership(9, undefined, 'p3'), 0);
      assert.equal(await second.takeOwnership(9, winner, 'p3'), 3);
      assert.equal((await first.get(9))?.owner, 'p3');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('RedisRoomStore: after its change feed was cut', () => {
  it('tells its listeners once the feed is heard again, so that cached rooms are read again', async () => {
    if (!redis) throw new Error('redis-server did not start');
    const prefix = `rooms-resub-${String(++prefixes)}:`;
    const connection = openRedis({ url: redis.url, keyPrefix: prefix, connectionName: `${prefix}rs` });
    try {
      const store = new RedisRoomStore(connection);
      let resubscribed = 0;
      let wake: () => void = () => undefined;
      store.onResubscribed(() => { resubscribed++; wake(); });
      await store.listening();
      assert.equal(resubscribed, 0, 'not on the first subscription');
      const clients = String(await connection.client.call('CLIENT', 'LIST'));
      const id = /id=(\d+) .*name=(\S+)/g;
      const subscriber = [...clients.matchAll(id)].find((m) => m[2] === `${prefix}rs-subscriber`)?.[1];
      assert.ok(subscriber !== undefined, clients);
      await connection.client.call('CLIENT', 'KILL', 'ID', subscriber);
      const heard = (): number => resubscribed;
      while (heard() === 0) await new Promise<void>((resolve) => { wake = resolve; });
      assert.equal(heard(), 1);
    } finally {
      await connection.close();
    }
  });
});

describe('RedisRoomStore: what one instance writes, another hears', () => {
  it('announces changes with their version to every instance and room events to the others only', async () => {
    if (!redis) throw new Error('redis-server did not start');
    const prefix = `rooms-feed-${String(++prefixes)}:`;
    const [a, b] = [openRedis({ url: redis.url, keyPrefix: prefix }), openRedis({ url: redis.url, keyPrefix: prefix })];
    const [writer, reader] = [new RedisRoomStore(a), new RedisRoomStore(b)];
    try {
      const changes: RoomChange[] = [];
      const events: RoomEvent[] = [];
      const own: RoomEvent[] = [];
      let wake: () => void = () => undefined;
      const check = (): void => { wake(); };
      reader.watch((c) => { changes.push(c); check(); });
      reader.onEvent((e) => { events.push(e); check(); });
      writer.onEvent((e) => { own.push(e); });
      const until = async (done: () => boolean): Promise<void> => {
        while (!done()) await new Promise<void>((resolve) => { wake = resolve; });
      };
      await reader.listening();
      await writer.create({ id: 'feed', params: {}, secret: undefined, description: 'd', isPrivate: false, permanent: false,
        allowed: { enabled: false, tokens: [] }, listEntry: {}, publishersPerBackend: 1, backends: [], participants: {}, createdAt: 1 });
      await until(() => changes.some((c) => c.room === 'feed' && c.version === 1));
      await writer.addBackend('feed', 'janus-1');
      await until(() => changes.some((c) => c.room === 'feed' && c.version === 2));
      writer.shareEvent({ room: 'feed', origin: 'janus-1', about: '5', data: { videoroom: 'event', leaving: 5 } });
      await until(() => events.length === 1);
      assert.deepEqual(events[0], { room: 'feed', origin: 'janus-1', about: '5', data: { videoroom: 'event', leaving: 5 } });
      assert.equal((await reader.get('feed'))?.version, 2);
      await writer.delete('feed');
      await until(() => changes.some((c) => c.room === 'feed' && c.version === 0));
      assert.deepEqual(own, []);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('a proxy with store.type redis keeps its VideoRoom rooms in Redis', { timeout: 60_000 }, () => {
  it('create, join and destroy show in Redis, as another proxy would read them', async () => {
    if (!redis) throw new Error('redis-server did not start');
    const janus = await startJanusCluster(1, { netns: false, plugins: ['videoroom'], videoroom: {} });
    const prefix = 'rooms-e2e:';
    const proxy = await startTestProxy(janus, { store: { type: 'redis', redis_url: redis.url, key_prefix: prefix } });
    const connection = openRedis({ url: redis.url, keyPrefix: prefix });
    const client = await JanusTestClient.connect(proxy.url);
    try {
      const other = new RedisRoomStore(connection);
      const ctl = await videoRoomHandle(client);
      assert.equal((await ctl.sync({ request: 'create', room: 4321, description: 'shared', secret: 'adm' })).videoroom, 'created');
      const joined = await (await videoRoomHandle(client)).async({ request: 'join', ptype: 'publisher', room: 4321, display: 'p' });
      const seen = await other.get(4321);
      assert.equal(seen?.description, 'shared');
      assert.equal(seen.secret, 'adm');
      assert.deepEqual(seen.backends, [janus[0]!.name]);
      assert.equal(seen.participants[String(joined.data.id)]?.display, 'p');
      assert.equal((await ctl.sync({ request: 'destroy', room: 4321, secret: 'adm' })).videoroom, 'destroyed');
      assert.equal(await other.get(4321), undefined);
    } finally {
      await client.close();
      await connection.close();
      await proxy.stop();
      await Promise.all(janus.map((j) => j.stop()));
    }
  });
});
