/**
 * What a redis-server did during the measured windows of throughput rounds through a proxy with
 * `store.type: redis`: the commands it executed (INFO commandstats, INFO itself excluded) and its
 * CPU time. Relayed messages must cost neither (the hot path never waits on Redis).
 */
import { redisCommand, type RedisInstance } from '../test/support/redis-fixture.js';
import { cpuTimeUs } from './procfs.js';
import type { WindowHooks } from './scenarios/throughput.js';

/** The proxy config for a Redis store: every other setting stays at its default. */
export function redisStoreYaml(redisUrl: string, extra = ''): string {
  return `store:\n  type: redis\n  redis_url: ${redisUrl}\n${extra}`;
}

/** The proxy that owns client session `sessionId` per its record in Redis (key prefix `prefix`), if written yet. */
export async function sessionOwner(redis: RedisInstance, prefix: string, sessionId: number): Promise<string | undefined> {
  const owner = await redisCommand(redis.port, ['HGET', `${prefix}session:${String(sessionId)}`, 'owner'], 2000);
  return typeof owner === 'string' ? owner : undefined;
}

/** Commands executed by `redis` so far, INFO excluded (it is how they are counted). */
export async function commandCount(redis: RedisInstance): Promise<number> {
  const text = String(await redisCommand(redis.port, ['INFO', 'commandstats'], 5000));
  let total = 0;
  for (const m of text.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2]);
  return total;
}

export type RedisWindowTotals = { commands: number; cpuUs: number };

/** Hooks for runThroughput that add each window's Redis commands and CPU time to `totals`. */
export function redisWindowHooks(redis: RedisInstance, totals: RedisWindowTotals): WindowHooks {
  let commands0 = 0;
  let cpu0 = 0;
  return {
    atStart: async () => {
      commands0 = await commandCount(redis);
      cpu0 = cpuTimeUs(redis.pid);
    },
    atEnd: async () => {
      // CPU first: the INFO round trip below is not part of the window.
      totals.cpuUs += cpuTimeUs(redis.pid) - cpu0;
      totals.commands += (await commandCount(redis)) - commands0;
    },
  };
}
