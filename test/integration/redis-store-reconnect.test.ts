// The Redis stores that keep a local copy (stored tokens, room routes) against a real redis-server,
// at the moments a reviewer found weak: a local edit while the copy is being (re)read must not keep a
// stale value, and a reconnection of the subscriber while the first load is in flight must not be
// missed. Each case makes the interleaving happen for sure, by hooking the command connection's
// read (the real command still goes to Redis) and cutting the subscriber with CLIENT KILL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { pino } from 'pino';
import type { Redis } from 'ioredis';
import { startRedis, redisCommand, type RedisInstance } from '../support/redis-fixture.js';
import { pollUntil } from '../support/processes.js';
import { openRedis, type RedisConnection } from '../../src/store/redis/connection.js';
import { RedisTokenStore } from '../../src/store/redis/token-store.js';
import { RedisRoomRoutes } from '../../src/store/redis/room-routes.js';

const logger = pino({ level: 'silent' });
const ECHOTEST = 'janus.plugin.echotest';
const AUDIOBRIDGE = 'janus.plugin.audiobridge';

/** Redis' id of the connection named `name` (CLIENT SETNAME), if connected. */
async function clientId(port: number, name: string): Promise<string | undefined> {
  const list = await redisCommand(port, ['CLIENT', 'LIST']);
  if (typeof list !== 'string') throw new Error('CLIENT LIST: not a string');
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  return line?.match(/^id=(\d+)/)?.[1];
}

/** Cuts the subscriber of `connection` (named `<name>-subscriber`); resolves once Redis closed it. */
async function cutSubscriber(port: number, name: string): Promise<void> {
  const id = await clientId(port, `${name}-subscriber`);
  if (id === undefined) throw new Error(`${name}-subscriber is not connected`);
  await redisCommand(port, ['CLIENT', 'KILL', 'ID', id]);
}

type Read = (...args: string[]) => Promise<unknown>;

/**
 * Replaces one read command of the command connection with `around(real, args)` (the real command
 * still goes to Redis), until `restore()`.
 */
function hook(client: Redis, command: 'hgetall' | 'hget', around: (real: Read, args: string[]) => Promise<unknown>): { restore: () => void } {
  const target = client as unknown as Record<string, Read | undefined>;
  const real = target[command]?.bind(client);
  if (!real) throw new Error(`no ${command} on the client`);
  target[command] = (...args: string[]) => around(real, args);
  // The instance's own property hides the prototype's method; dropping it shows that again.
  return { restore: () => { Reflect.deleteProperty(target, command); } };
}

describe('Redis stores that keep a local copy, across reconnections', () => {
  let redis: RedisInstance;
  const connections: RedisConnection[] = [];
  let run = 0;

  before(async () => { redis = await startRedis(); });
  after(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await redis.stop();
  });

  /** A proxy's connection, named so that the test can find its subscriber. */
  function connect(prefix: string, name: string): RedisConnection {
    const connection = openRedis({ url: redis.url, keyPrefix: prefix, connectionName: name });
    connections.push(connection);
    return connection;
  }

  function names(): { prefix: string; a: string; b: string } {
    run += 1;
    return { prefix: `reconnect-${String(run)}:`, a: `proxy-a-${String(run)}`, b: `proxy-b-${String(run)}` };
  }

  it('tokens: a local edit during the reload after a reconnection does not keep a token revoked meanwhile', async () => {
    const { prefix, a: nameA } = names();
    const connA = connect(prefix, nameA);
    const a = await RedisTokenStore.open(connA, logger);
    await a.add('revoked', [ECHOTEST]);
    // Revoked in Redis with its announcement lost (as while a subscriber is cut): only a reload tells.
    await redisCommand(redis.port, ['HDEL', `${prefix}tokens`, 'revoked']);
    assert.deepEqual(a.plugins('revoked'), [ECHOTEST], 'not heard of yet');

    // The reload's HGETALL goes out, then an admin edit on this proxy before its answer comes back.
    let edit: Promise<void> | undefined;
    const hooked = hook(connA.client, 'hgetall', (real, args) => {
      const answer = real(...args);
      edit = a.add('added-meanwhile', [ECHOTEST]);
      return answer;
    });
    try {
      await cutSubscriber(redis.port, nameA);
      await pollUntil('the revoked token gone after the reload', () => (a.plugins('revoked') === undefined ? true : undefined), 10_000, 20);
    } finally {
      hooked.restore();
    }
    assert.ok(edit, 'the reload ran, with the edit in between');
    await edit;
    assert.deepEqual(a.plugins('added-meanwhile'), [ECHOTEST], 'the local edit is kept');
    assert.equal(await redisCommand(redis.port, ['HGET', `${prefix}tokens`, 'added-meanwhile']), JSON.stringify([ECHOTEST]));
    await a.close();
  });

  it('tokens: a local edit of another token while an announced revocation is re-read does not keep it', async () => {
    const { prefix, a: nameA, b: nameB } = names();
    const connA = connect(prefix, nameA);
    const a = await RedisTokenStore.open(connA, logger);
    const b = await RedisTokenStore.open(connect(prefix, nameB), logger);
    await b.add('revoked', [ECHOTEST]);
    await pollUntil('A hears of the token', () => (a.plugins('revoked') ? true : undefined), 5_000, 20);

    let edit: Promise<void> | undefined;
    const hooked = hook(connA.client, 'hget', (real, args) => {
      const answer = real(...args);
      if (args[1] === 'revoked') edit ??= a.add('other', [ECHOTEST]);
      return answer;
    });
    try {
      await b.remove('revoked');
      await pollUntil('the revocation applied on A', () => (a.plugins('revoked') === undefined ? true : undefined), 5_000, 20);
    } finally {
      hooked.restore();
    }
    assert.ok(edit, 'the re-read ran, with the edit in between');
    await edit;
    assert.deepEqual(a.plugins('other'), [ECHOTEST]);
    await Promise.all([a.close(), b.close()]);
  });

  it('tokens: a reconnection while the first load is in flight is not missed', async () => {
    const { prefix, a: nameA, b: nameB } = names();
    const b = await RedisTokenStore.open(connect(prefix, nameB), logger);
    await b.add('revoked', [ECHOTEST]);
    const connA = connect(prefix, nameA);
    const subscriber = connA.subscriber();
    // The first load's answer (still holding the token) is held back until the subscriber is cut,
    // the token is revoked during the cut (its announcement reaches nobody on A) and the subscriber
    // is back.
    let loads = 0;
    const hooked = hook(connA.client, 'hgetall', async (real, args) => {
      loads += 1;
      const answer = await real(...args);
      if (loads === 1) {
        const back = once(subscriber, 'ready');
        await cutSubscriber(redis.port, nameA);
        await b.remove('revoked');
        await back;
      }
      return answer;
    });
    let a: RedisTokenStore;
    try {
      a = await RedisTokenStore.open(connA, logger);
    } finally {
      hooked.restore();
    }
    await pollUntil('the revoked token gone on A', () => (a.plugins('revoked') === undefined ? true : undefined), 10_000, 20);
    assert.ok(loads >= 2, 'loaded again after the reconnection');
    await b.add('later', [ECHOTEST]);
    await pollUntil('A follows the channel again', () => (a.plugins('later') ? true : undefined), 5_000, 20);
    await Promise.all([a.close(), b.close()]);
  });

  it('room routes: a reconnection while the first load is in flight is not missed', async () => {
    const { prefix, a: nameA, b: nameB } = names();
    const b = await RedisRoomRoutes.open(connect(prefix, nameB), logger);
    const connA = connect(prefix, nameA);
    const subscriber = connA.subscriber();
    let loads = 0;
    const hooked = hook(connA.client, 'hgetall', async (real, args) => {
      loads += 1;
      const answer = await real(...args);
      if (loads === 1) {
        const back = once(subscriber, 'ready');
        await cutSubscriber(redis.port, nameA);
        await b.share(AUDIOBRIDGE, 1234, 'janus-2'); // announced while A hears nothing
        await back;
      }
      return answer;
    });
    let a: RedisRoomRoutes;
    try {
      a = await RedisRoomRoutes.open(connA, logger);
    } finally {
      hooked.restore();
    }
    await pollUntil('the route pinned during the cut reaches A', () => (a.get(AUDIOBRIDGE, 1234) === 'janus-2' ? true : undefined), 10_000, 20);
    assert.ok(loads >= 2, 'loaded again after the reconnection');
    await b.share(AUDIOBRIDGE, 5678, 'janus-3');
    await pollUntil('A follows the channel again', () => (a.get(AUDIOBRIDGE, 5678) === 'janus-3' ? true : undefined), 5_000, 20);
    await Promise.all([a.close(), b.close()]);
  });

  it('room routes: a local pin during the reload after a reconnection is kept', async () => {
    const { prefix, a: nameA } = names();
    const connA = connect(prefix, nameA);
    const a = await RedisRoomRoutes.open(connA, logger);
    await a.share(AUDIOBRIDGE, 42, 'janus-1');
    let share: Promise<void> | undefined;
    const hooked = hook(connA.client, 'hgetall', (real, args) => {
      const answer = real(...args);
      share = a.share(AUDIOBRIDGE, 42, 'janus-9');
      return answer;
    });
    try {
      await cutSubscriber(redis.port, nameA);
      await pollUntil('the reload ran', () => (share ? true : undefined), 10_000, 20);
    } finally {
      hooked.restore();
    }
    await share;
    // The reload's answer (janus-1) came after the local pin: it must not undo it.
    assert.equal(a.get(AUDIOBRIDGE, 42), 'janus-9');
    await a.close();
  });
});
