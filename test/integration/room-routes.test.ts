// Room → backend routes of room-routed pass-through plugins, shared by two proxies through a real
// Redis: a room pinned by one is seen by the other, a restarted one loads them, deletes propagate,
// and a delete only forgets the route it names.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { pollUntil } from '../support/processes.js';
import { openRedis, type RedisConnection } from '../../src/store/redis/connection.js';
import { RedisRoomRoutes } from '../../src/store/redis/room-routes.js';

const AUDIOBRIDGE = 'janus.plugin.audiobridge';

describe('room routes in Redis', () => {
  let redis: RedisInstance;
  const connections: RedisConnection[] = [];

  before(async () => { redis = await startRedis(); });
  after(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await redis.stop();
  });

  async function routes(): Promise<RedisRoomRoutes> {
    const connection = openRedis({ url: redis.url, keyPrefix: 'jc-routes:' });
    connections.push(connection);
    return RedisRoomRoutes.open(connection, pino({ level: 'silent' }));
  }

  it('shares pins between proxies, keeps number and string rooms apart, and loads them at start', async () => {
    const a = await routes();
    const b = await routes();
    a.set(AUDIOBRIDGE, 1234, 'janus-1');
    a.set(AUDIOBRIDGE, '1234', 'janus-2');
    assert.equal(a.get(AUDIOBRIDGE, 1234), 'janus-1', 'the writer sees its own pin at once');
    await pollUntil('proxy B sees both pins', () => (b.get(AUDIOBRIDGE, '1234') === 'janus-2' ? true : undefined), 5_000);
    assert.equal(b.get(AUDIOBRIDGE, 1234), 'janus-1');

    const restarted = await routes();
    assert.equal(restarted.get(AUDIOBRIDGE, 1234), 'janus-1');

    b.delete(AUDIOBRIDGE, 1234, 'janus-1');
    await pollUntil('the delete reaches proxy A', () => (a.get(AUDIOBRIDGE, 1234) === undefined ? true : undefined), 5_000);
    await pollUntil('and the restarted one', () => (restarted.get(AUDIOBRIDGE, 1234) === undefined ? true : undefined), 5_000);
    assert.equal(a.get(AUDIOBRIDGE, '1234'), 'janus-2');
  });

  it('two proxies claiming one new room at once agree on its backend, every time', async () => {
    const a = await routes();
    const b = await routes();
    for (let room = 5000; room < 5020; room++) {
      const [wonA, wonB] = await Promise.all([a.claim(AUDIOBRIDGE, room, 'janus-1'), b.claim(AUDIOBRIDGE, room, 'janus-2')]);
      assert.equal(wonA, wonB, `room ${String(room)}: one backend for both proxies`);
      assert.equal(a.get(AUDIOBRIDGE, room), wonA);
      assert.equal(b.get(AUDIOBRIDGE, room), wonA);
    }
    const late = await routes();
    assert.equal(late.get(AUDIOBRIDGE, 5000), a.get(AUDIOBRIDGE, 5000), 'the claim is in Redis too');
  });

  it('a release only forgets the route it names: one another proxy moved meanwhile stays, everywhere', async () => {
    const a = await routes();
    const b = await routes();
    await a.share(AUDIOBRIDGE, 6000, 'janus-1');
    await pollUntil('proxy B sees the first route', () => (b.get(AUDIOBRIDGE, 6000) === 'janus-1' ? true : undefined), 5_000);
    // B finds janus-1 gone and moves the room to janus-2; A, still reading janus-1 locally, releases janus-1's route.
    await b.share(AUDIOBRIDGE, 6000, 'janus-2');
    await a.release(AUDIOBRIDGE, 6000, 'janus-1');
    assert.equal(a.get(AUDIOBRIDGE, 6000), 'janus-2', "A's copy follows what Redis holds");
    assert.equal(b.get(AUDIOBRIDGE, 6000), 'janus-2');
    assert.equal((await routes()).get(AUDIOBRIDGE, 6000), 'janus-2', 'Redis kept the moved route');
    await a.release(AUDIOBRIDGE, 6000, 'janus-2');
    assert.equal(a.get(AUDIOBRIDGE, 6000), undefined);
    await pollUntil('the release reaches proxy B', () => (b.get(AUDIOBRIDGE, 6000) === undefined ? true : undefined), 5_000);
    assert.equal((await routes()).get(AUDIOBRIDGE, 6000), undefined);
  });
});
