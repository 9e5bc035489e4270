// Redis with failover on loopback: one primary, one replica (`--replicaof`) and three Redis Sentinels
// (`redis-server <conf> --sentinel`) watching them with quorum 2 and short timeouts, each in its own
// temp dir, stopped by pid. `store()` is the proxy's `store` section pointing at the sentinels.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisCommand, startRedis, startRedisProcess, withPortRetry, type RedisInstance, type RespValue } from './redis-fixture.js';
import { freePort, pollUntil } from './processes.js';

export const MASTER_NAME = 'mymaster';
const SENTINELS = 3;
const QUORUM = 2;
/** A primary not answering for this long is subjectively down; with the quorum, objectively. */
const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 5000;

export type RedisFailoverSet = {
  primary: RedisInstance;
  replica: RedisInstance;
  sentinels: RedisInstance[];
  /** The `store` section of a proxy config using these sentinels. */
  store(extra?: Record<string, unknown>): Record<string, unknown>;
  /** The port the sentinels now name as primary. */
  currentPrimaryPort(): Promise<number>;
  stop(): Promise<void>;
};

function sentinelConfig(port: number, primaryPort: number): string {
  return [
    `port ${String(port)}`,
    'bind 127.0.0.1',
    'daemonize no',
    `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${String(primaryPort)} ${String(QUORUM)}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${String(DOWN_AFTER_MS)}`,
    `sentinel failover-timeout ${MASTER_NAME} ${String(FAILOVER_TIMEOUT_MS)}`,
    `sentinel parallel-syncs ${MASTER_NAME} 1`,
    '',
  ].join('\n');
}

/** `SENTINEL MASTER` answers a flat list of field, value, field, value. */
function fields(reply: RespValue): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

async function startSentinel(primaryPort: number): Promise<RedisInstance> {
  return withPortRetry(async () => {
    const port = await freePort();
    // The sentinel rewrites its config file (what it learnt), so it lives in the sentinel's own dir.
    return startRedisProcess(port, ['{dir}/sentinel.conf', '--sentinel'], (dir) => {
      writeFileSync(join(dir, 'sentinel.conf'), sentinelConfig(port, primaryPort));
    });
  });
}

export async function startRedisFailoverSet(): Promise<RedisFailoverSet> {
  const started: RedisInstance[] = [];
  const stopAll = async (): Promise<void> => { await Promise.all(started.map((r) => r.stop())); };
  try {
    const primary = await startRedis();
    started.push(primary);
    const replica = await startRedis({ replicaOf: primary.port });
    started.push(replica);
    await pollUntil('the replica in sync with the primary', async () => {
      const info = String(await redisCommand(replica.port, ['INFO', 'replication']).catch(() => ''));
      return info.includes('master_link_status:up') ? true : undefined;
    }, 15_000);
    const sentinels: RedisInstance[] = [];
    for (let i = 0; i < SENTINELS; i++) {
      const sentinel = await startSentinel(primary.port);
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    // Ready for a failover once every sentinel knows the replica and the other sentinels.
    await pollUntil('the sentinels to know the replica and each other', async () => {
      const views = await Promise.all(sentinels.map((s) => redisCommand(s.port, ['SENTINEL', 'MASTER', MASTER_NAME]).catch(() => null).then(fields)));
      return views.every((v) => v['num-slaves'] === '1' && v['num-other-sentinels'] === String(SENTINELS - 1)) ? true : undefined;
    }, 30_000, 200);
    const currentPrimaryPort = async (): Promise<number> => {
      for (const s of sentinels) {
        const reply = await redisCommand(s.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME]).catch(() => undefined);
        if (Array.isArray(reply) && reply.length === 2) return Number(reply[1]);
      }
      throw new Error('no sentinel answered GET-MASTER-ADDR-BY-NAME');
    };
    return {
      primary, replica, sentinels, currentPrimaryPort,
      store: (extra = {}) => ({
        type: 'redis',
        sentinel: { master_name: MASTER_NAME, sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })) },
        ...extra,
      }),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
