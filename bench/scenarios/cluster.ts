/**
 * What sharing state in Redis costs, and how fast a session moves between proxies: a Janus with a
 * reclaim window of its own, a redis-server, and proxy processes with `store.type: redis`.
 *  - throughput through a Redis proxy and a memory proxy in the same rounds, and the Redis commands
 *    issued meanwhile (INFO commandstats): relayed messages must cost none;
 *  - Redis memory per idle session with one EchoTest handle (INFO memory around N sessions);
 *  - take-over latency: sessions with a handle on proxy A, A SIGKILLed, each claimed on proxy B.
 */
import { performance } from 'node:perf_hooks';
import { BenchClient } from '../client.js';
import { config } from '../config.js';
import { Samples } from '../stats.js';
import { startProxyProcess, type ProxyBuild, type ProxyProcess } from '../proxy-process.js';
import { runThroughput, mergeRounds, type ThroughputResult } from './throughput.js';
import { runLatency, type LatencyResult } from './latency.js';
import { closeAll, connectAll, idOf, mapLimit } from './exchange.js';
import { commandCount, redisStoreYaml } from '../redis-window.js';
import { startJanus, type JanusInstance } from '../../test/support/janus-fixture.js';
import { redisCommand, startRedis, type RedisInstance } from '../../test/support/redis-fixture.js';

export type ClusterResult = {
  memoryStore: ThroughputResult;
  redisStore: ThroughputResult;
  /** Redis commands executed during the measured windows of the Redis proxy's throughput rounds (INFO excluded). */
  redisCommands: number;
  /** Sequential session life cycles, Janus direct against the Redis proxy (records written on create, attach, detach, destroy). */
  latency: LatencyResult;
  redisSessions: number;
  redisBytesPerSession: number;
  takeOver: { sessions: number; claimed: number; latency: Samples };
};

const ECHOTEST = 'janus.plugin.echotest';

async function redisInfo(redis: RedisInstance, section: string): Promise<string> {
  return String(await redisCommand(redis.port, ['INFO', section], 5000));
}

async function usedMemory(redis: RedisInstance): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redisInfo(redis, 'memory'))?.[1] ?? NaN);
}

/** Sessions with one EchoTest handle each, opened over `perConnection`-session connections. */
async function openSessions(url: string, count: number, perConnection: number): Promise<{ clients: BenchClient[]; ids: number[] }> {
  const clients = await connectAll(url, Math.ceil(count / perConnection));
  const ids: number[] = [];
  await Promise.all(clients.map(async (client, c) => {
    const mine = Math.min(perConnection, count - c * perConnection);
    await mapLimit(Array.from({ length: mine }), 20, async () => {
      const sessionId = idOf(await client.call({ janus: 'create' }), 'create');
      await client.call({ janus: 'attach', session_id: sessionId, plugin: ECHOTEST });
      ids.push(sessionId);
    });
  }));
  return { clients, ids };
}

export async function runCluster(build: ProxyBuild, progress: (m: string) => void): Promise<ClusterResult> {
  let janus: JanusInstance | undefined;
  let redis: RedisInstance | undefined;
  const proxies: ProxyProcess[] = [];
  const start = async (name: string): Promise<ProxyProcess> => {
    if (!janus || !redis) throw new Error('cluster bench: not started');
    const yaml = redisStoreYaml(redis.url, '  proxy_ttl_s: 2\n');
    const proxy = await startProxyProcess({ build, backendUrl: janus.wsUrl, extraConfig: name === 'memory' ? undefined : { name, yaml } });
    proxies.push(proxy);
    return proxy;
  };
  try {
    [janus, redis] = await Promise.all([startJanus({ netns: false, plugins: ['echotest'], reclaimSessionTimeout: 60 }), startRedis()]);
    const [memoryProxy, redisProxy] = [await start('memory'), await start('redis-a')];
    const sessions = config.throughput.sessionCounts[0];
    const rounds: Record<'memory' | 'redis', ThroughputResult[]> = { memory: [], redis: [] };
    let redisCommands = 0;
    for (let round = 1; round <= config.throughput.rounds; round++) {
      progress(`cluster: throughput @${sessions}, round ${round}: memory store, then Redis store`);
      rounds.memory.push(await runThroughput(memoryProxy.url, sessions, { janus: janus.pid, proxy: memoryProxy.pid }));
      const r = redis;
      let before = 0;
      rounds.redis.push(await runThroughput(redisProxy.url, sessions, { janus: janus.pid, proxy: redisProxy.pid }, {
        atStart: async () => { before = await commandCount(r); },
        atEnd: async () => { redisCommands += (await commandCount(r)) - before; },
      }));
    }

    progress('cluster: sequential latency, direct against the Redis proxy');
    const latency = await runLatency(janus.wsUrl, redisProxy.url, { janus: janus.pid, proxy: redisProxy.pid });

    const redisSessions = config.cluster.idleSessions;
    progress(`cluster: Redis memory for ${redisSessions} idle sessions with one handle`);
    const memBefore = await usedMemory(redis);
    const idle = await openSessions(redisProxy.url, redisSessions, 500);
    const redisBytesPerSession = ((await usedMemory(redis)) - memBefore) / redisSessions;
    await closeAll(idle.clients);

    progress(`cluster: take-over of ${config.cluster.takeOverSessions} sessions after SIGKILL`);
    const [owner, heir] = [await start('redis-b'), await start('redis-c')];
    const moving = await openSessions(owner.url, config.cluster.takeOverSessions, 50);
    process.kill(owner.pid, 'SIGKILL');
    const claimers = await connectAll(heir.url, moving.clients.length);
    const claimLatency = new Samples();
    let claimed = 0;
    await mapLimit(moving.ids, 8, async (sessionId) => {
      const client = claimers[sessionId % claimers.length];
      if (!client) return;
      const t0 = performance.now();
      const reply = await client.call({ janus: 'claim', session_id: sessionId });
      claimLatency.add(performance.now() - t0);
      if (reply.janus === 'success') claimed++;
    });
    await closeAll([...claimers, ...moving.clients]);
    return {
      memoryStore: mergeRounds(rounds.memory), redisStore: mergeRounds(rounds.redis), redisCommands, latency,
      redisSessions, redisBytesPerSession, takeOver: { sessions: moving.ids.length, claimed, latency: claimLatency },
    };
  } finally {
    for (const proxy of proxies) await proxy.stop();
    await redis?.stop();
    await janus?.stop();
  }
}
