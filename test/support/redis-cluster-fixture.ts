// A Redis Cluster on loopback: three primaries and three replicas (`--cluster-enabled yes`, joined by
// `redis-cli --cluster create --cluster-replicas 1`), a short node timeout so that a replica takes
// over a killed primary within a few seconds. Each node in its own temp dir, stopped by pid.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { redisCommand, startRedisProcess, withPortRetry, type RedisInstance } from './redis-fixture.js';
import { freePort, isAlive, pollUntil } from './processes.js';

const NODES = 6;
const NODE_TIMEOUT_MS = 1000;
const execFileAsync = promisify(execFile);

export type RedisClusterSet = {
  nodes: RedisInstance[];
  /** The `store` section of a proxy config using this cluster (key prefix with a hash tag). */
  store(extra?: Record<string, unknown>): Record<string, unknown>;
  /** The node that is primary for `key`'s slot now. */
  primaryFor(key: string): Promise<RedisInstance>;
  /** Resolves when every live node says cluster_state:ok. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

async function startNode(): Promise<RedisInstance> {
  return withPortRetry(async () => {
    const port = await freePort();
    return startRedisProcess(port, [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no',
      '--cluster-enabled', 'yes', '--cluster-config-file', '{dir}/nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
    ]);
  });
}

export async function startRedisCluster(): Promise<RedisClusterSet> {
  const nodes: RedisInstance[] = [];
  const stop = async (): Promise<void> => { await Promise.all(nodes.map((n) => n.stop())); };
  try {
    for (let i = 0; i < NODES; i++) nodes.push(await startNode());
    await execFileAsync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${String(n.port)}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    const live = (): RedisInstance[] => nodes.filter((n) => isAlive(n.pid));
    const waitHealthy = async (timeoutMs = 30_000): Promise<void> => {
      await pollUntil('every Redis Cluster node to say cluster_state:ok', async () => {
        const states = await Promise.all(live().map((n) => redisCommand(n.port, ['CLUSTER', 'INFO']).then(String, () => '')));
        return states.every((s) => s.includes('cluster_state:ok')) ? true : undefined;
      }, timeoutMs, 200);
    };
    await waitHealthy();
    // A replica can only take over once it has the data: wait for every replication link.
    await pollUntil('every Redis Cluster replica in sync', async () => {
      const infos = await Promise.all(nodes.map((n) => redisCommand(n.port, ['INFO', 'replication']).then(String, () => '')));
      const replicas = infos.filter((i) => i.includes('role:slave'));
      return replicas.length === NODES / 2 && replicas.every((i) => i.includes('master_link_status:up')) ? true : undefined;
    }, 30_000, 200);
    const primaryFor = async (key: string): Promise<RedisInstance> => {
      const slot = Number(await redisCommand(live()[0]!.port, ['CLUSTER', 'KEYSLOT', key]));
      for (const node of live()) {
        const role = await redisCommand(node.port, ['ROLE']).catch(() => null);
        if (!Array.isArray(role) || role[0] !== 'master') continue;
        const myId = String(await redisCommand(node.port, ['CLUSTER', 'MYID'])).trim();
        const table = String(await redisCommand(node.port, ['CLUSTER', 'NODES']));
        // A line: id address flags master ping pong epoch state slot-range...
        const mine = table.split('\n').find((line) => line.startsWith(myId));
        for (const range of mine?.split(' ').slice(8) ?? []) {
          const [from, to = from] = range.split('-').map(Number);
          if (from !== undefined && to !== undefined && slot >= from && slot <= to) return node;
        }
      }
      throw new Error(`no primary serves slot ${String(slot)}`);
    };
    return {
      nodes, waitHealthy, primaryFor, stop,
      store: (extra = {}) => ({
        type: 'redis',
        key_prefix: '{janus-cloud}:',
        cluster: { nodes: nodes.slice(0, 3).map((n) => ({ host: '127.0.0.1', port: n.port })) },
        ...extra,
      }),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
