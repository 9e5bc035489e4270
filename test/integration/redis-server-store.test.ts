// RedisServerStore against a real redis-server: the shared ServerStore contract (run here for the
// memory store too, so both are held to the same behaviour), then what only Redis can show: several
// store instances on one Redis, concurrent writers, TTL clean-up, and Redis going away and back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { MemoryServerStore } from '../../src/store/memory/server-store.js';
import { RECORD_TTL_FACTOR, RedisServerStore, type RedisServerStoreOptions } from '../../src/store/redis/server-store.js';
import { RedisStoreError } from '../../src/store/redis/connection.js';
import type { ServerReport } from '../../src/protocol/server-record.js';
import { redisCommand, startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { freePort, isAlive, onCleanup, pollUntil, terminateChild, trackChild } from '../support/processes.js';
import { makeTempDir, recordChild } from '../support/temp-dirs.js';
import { ChangeLog, serverStoreContract } from '../support/server-store-contract.js';

const T0 = 1_700_000_000_000;
const URL_A = 'ws://10.0.0.1:8188';
/** A stopped Redis must turn calls into rejections well within this. */
const FAILURE_BOUND_MS = 8_000;

let redis: RedisInstance;
let prefixes = 0;
const uniquePrefix = (): string => `t${String(process.pid)}-${String(++prefixes)}:`;

before(async () => { redis = await startRedis(); });
after(async () => { await redis.stop(); });

serverStoreContract('memory', () => {
  const store = new MemoryServerStore();
  return Promise.resolve({ store, subscribed: () => Promise.resolve() });
});

serverStoreContract('redis', () => {
  const store = new RedisServerStore({ url: redis.url, keyPrefix: uniquePrefix() });
  return Promise.resolve({ store, subscribed: () => store.subscribed() });
});

/** Stores opened by one test, closed at its end even when it fails. */
async function withStores(
  count: number, options: Partial<RedisServerStoreOptions>, run: (...stores: RedisServerStore[]) => Promise<void>,
): Promise<void> {
  const keyPrefix = uniquePrefix();
  const stores = Array.from({ length: count }, () => new RedisServerStore({ url: redis.url, keyPrefix, ...options }));
  try {
    await run(...stores);
  } finally {
    for (const store of stores) await store.close();
  }
}

function rawCommand(args: string[]): ReturnType<typeof redisCommand> {
  return redisCommand(redis.port, args);
}

describe('RedisServerStore on one Redis', () => {
  it('keeps an index set and one JSON string per record, with a TTL of expire × factor', async () => {
    await withStores(1, { keyPrefix: 'layout:' }, async (store) => {
      await store.upsert({ name: 'a', url: URL_A, status: 'up', expire: 10 }, 'sentinel', T0);
      await store.upsert({ name: 's', url: URL_A, status: 'up' }, 'static', T0);
      assert.deepEqual((await rawCommand(['SMEMBERS', 'layout:servers']) as string[]).sort(), ['a', 's']);
      assert.deepEqual(JSON.parse(await rawCommand(['GET', 'layout:server:a']) as string), await store.get('a'));
      const ttl = await rawCommand(['PTTL', 'layout:server:a']) as number;
      assert.ok(ttl > 10_000 * RECORD_TTL_FACTOR - 5_000 && ttl <= 10_000 * RECORD_TTL_FACTOR, `PTTL ${String(ttl)}`);
      assert.equal(await rawCommand(['PTTL', 'layout:server:s']), -1);
      await store.upsert({ name: 'a', url: URL_A, status: 'up', expire: 0 }, 'sentinel', T0 + 1);
      assert.equal(await rawCommand(['PTTL', 'layout:server:a']), -1, 'expire 0 drops the TTL');
    });
  });

  it('lets two instances see each other\'s writes and change notifications', async () => {
    await withStores(2, {}, async (first, second) => {
      const heardByFirst = new ChangeLog();
      const heardBySecond = new ChangeLog();
      first.onChange(heardByFirst.listener);
      second.onChange(heardBySecond.listener);
      await Promise.all([first.subscribed(), second.subscribed()]);
      const written = await second.upsert({ name: 'a', url: URL_A, status: 'up', sessions: 2 }, 'sentinel', T0);
      await heardByFirst.until('a');
      await heardBySecond.until('a'); // the writer hears its own write too
      assert.deepEqual(await first.get('a'), written);
      await first.remove('a');
      await heardBySecond.until('a', 2);
      assert.equal(await second.get('a'), undefined);
    });
  });

  it('loses no field when two instances write one record concurrently', async () => {
    const fields: Partial<ServerReport>[] = [
      { sessions: 1 }, { handles: 2 }, { cpu_percent: 3 }, { memory_bytes: 4 }, { bandwidth_in_bps: 5 }, { bandwidth_out_bps: 6 },
      { load_score: 0.7 }, { max_sessions: 8 }, { max_handles: 9 }, { max_bandwidth_bps: 10 }, { location: 'l' }, { isp: 'i' },
      { region: 'r' }, { janus_version: '1.4.2' }, { plugins: ['p'] }, { start_time: 16 },
    ];
    await withStores(2, {}, async (first, second) => {
      for (const name of ['r1', 'r2', 'r3', 'r4', 'r5']) {
        await Promise.all(fields.map((field, i) =>
          (i % 2 === 0 ? first : second).upsert({ name, url: URL_A, status: 'up', ...field }, 'sentinel', T0 + i)));
        const record = await first.get(name);
        for (const field of fields) for (const [key, value] of Object.entries(field)) assert.deepEqual(record?.[key as keyof typeof record], value, `${name}.${key}`);
      }
    });
  });

  it('drops index members whose record expired, and says so', async () => {
    await withStores(1, { keyPrefix: 'prune:' }, async (store) => {
      const log = new ChangeLog();
      store.onChange(log.listener);
      await store.subscribed();
      await store.upsert({ name: 'gone', url: URL_A, status: 'up', expire: 1 }, 'sentinel', T0);
      await store.upsert({ name: 'kept', url: URL_A, status: 'up', expire: 1 }, 'sentinel', T0);
      await rawCommand(['PEXPIRE', 'prune:server:gone', '1']); // as if its TTL had run out
      await pollUntil('key expiry', async () => (await rawCommand(['EXISTS', 'prune:server:gone'])) === 0 ? true : undefined, 2_000, 10);
      assert.deepEqual((await store.list()).map((r) => r.name), ['kept']);
      assert.equal(await rawCommand(['SISMEMBER', 'prune:servers', 'gone']), 0);
      assert.equal(await rawCommand(['SISMEMBER', 'prune:servers', 'kept']), 1);
      await log.until('gone', 2);
    });
  });

  it('treats an unreadable record as absent', async () => {
    await withStores(1, { keyPrefix: 'junk:' }, async (store) => {
      await rawCommand(['SET', 'junk:server:bad', '{"name":"bad"']);
      await rawCommand(['SADD', 'junk:servers', 'bad']);
      assert.equal(await store.get('bad'), undefined);
      assert.deepEqual(await store.list(), []);
      const rewritten = await store.upsert({ name: 'bad', url: URL_A, status: 'up' }, 'rest', T0);
      assert.deepEqual(await store.get('bad'), rewritten);
    });
  });

  it('rejects every call after close', async () => {
    const store = new RedisServerStore({ url: redis.url, keyPrefix: uniquePrefix() });
    await store.close();
    await assert.rejects(store.get('a'), /get failed: the store is closed/);
    await assert.rejects(store.upsert({ name: 'a', url: URL_A, status: 'up' }, 'rest', T0), RedisStoreError);
    assert.equal(typeof store.onChange(() => undefined), 'function');
  });
});

/** A redis-server on a given port (the fixture picks its own), so a restart keeps the address. */
async function startRedisOnPort(port: number): Promise<{ pid: number; stop(): Promise<void> }> {
  const dir = makeTempDir('redis');
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    cwd: dir, stdio: 'ignore',
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server: spawn failed');
  recordChild(dir, pid, 'redis-server');
  trackChild(child, `redis pid ${String(pid)}`);
  const unregister = onCleanup(`rm ${dir}`, () => { rmSync(dir, { recursive: true, force: true }); });
  const stop = async (): Promise<void> => {
    await terminateChild(child, 5000);
    unregister();
    rmSync(dir, { recursive: true, force: true });
  };
  await pollUntil(`redis on ${String(port)}`, async () => (await redisCommand(port, ['PING']).catch(() => undefined)) === 'PONG' ? true : undefined, 10_000);
  return { pid, stop };
}

async function rejectsWithin(what: string, call: Promise<unknown>, boundMs = FAILURE_BOUND_MS): Promise<void> {
  const started = Date.now();
  await assert.rejects(call, RedisStoreError, what);
  assert.ok(Date.now() - started < boundMs, `${what} took ${String(Date.now() - started)} ms`);
}

describe('RedisServerStore when Redis fails', () => {
  it('rejects in bounded time when Redis is stopped, and works again once it is back on the same port', async () => {
    const port = await freePort();
    let server = await startRedisOnPort(port);
    const url = `redis://127.0.0.1:${String(port)}`;
    const watcher = new RedisServerStore({ url });
    const writer = new RedisServerStore({ url });
    try {
      const log = new ChangeLog();
      watcher.onChange(log.listener);
      await watcher.subscribed();
      await writer.upsert({ name: 'a', url: URL_A, status: 'up' }, 'sentinel', T0);
      await log.until('a');

      await server.stop();
      await rejectsWithin('get', writer.get('a'));
      await rejectsWithin('list', writer.list());
      await rejectsWithin('upsert', writer.upsert({ name: 'b', url: URL_A, status: 'up' }, 'sentinel', T0));
      await rejectsWithin('remove', writer.remove('a'));

      server = await startRedisOnPort(port); // empty: no persistence
      await log.until('a', 2, 15_000); // the watcher re-subscribed and re-announced what it knew
      await pollUntil('writer reconnected', () => writer.list().then(() => true, () => undefined), 15_000);
      await writer.upsert({ name: 'c', url: URL_A, status: 'up' }, 'sentinel', T0);
      await log.until('c');
      assert.equal((await watcher.get('c'))?.name, 'c');
    } finally {
      await watcher.close();
      await writer.close();
      await server.stop();
    }
  });

  it('rejects in bounded time when nothing listens on the port', async () => {
    const store = new RedisServerStore({ url: `redis://127.0.0.1:${String(await freePort())}` });
    try {
      await rejectsWithin('get', store.get('a'));
    } finally {
      await store.close();
    }
  });

  it('times commands out when Redis hangs', async () => {
    const server = await startRedis();
    const store = new RedisServerStore({ url: server.url, commandTimeoutMs: 300 });
    try {
      await store.upsert({ name: 'a', url: URL_A, status: 'up' }, 'sentinel', T0);
      process.kill(server.pid, 'SIGSTOP');
      try {
        await rejectsWithin('get', store.get('a'), 3_000);
      } finally {
        process.kill(server.pid, 'SIGCONT');
      }
      assert.equal((await store.get('a'))?.name, 'a');
    } finally {
      await store.close();
      await server.stop();
      assert.equal(isAlive(server.pid), false);
    }
  });
});
