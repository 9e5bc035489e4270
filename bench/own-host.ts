/**
 * Only the own-host throughput rounds of `npm run bench` (Janus in its own network namespace; direct,
 * the proxy on its defaults, the reference relay, alternating), for profiling and quick comparisons:
 *
 *   node --import tsx bench/own-host.ts [sessions...]          (default: 50 1000)
 *
 * Env: BENCH_ROUNDS (default 2); BENCH_SIDES (default direct,proxy,relay) may add `base`, a second
 * proxy in the same rounds (default log level too), built from BENCH_BASELINE_ENTRY (a compiled cli/janus-proxy.js; default
 * the same build) with the node flags of BENCH_BASE_FLAGS and the config of BENCH_BASE_YAML (BENCH_BASE_RUNTIME_FLAGS
 * replaces the shipped runtime flags of src/cli/runtime-flags.ts, `none` for none; BENCH_RELAY_RUNTIME_FLAGS the relay's), and/or
 * `tuned`, the proxy with the config of npm run bench's "proxy tuned" round, and/or `redis`, the proxy on its defaults
 * plus `store.type: redis` on a redis-server started for the run (npm run bench's "proxy, Redis store" round; its line
 * adds the Redis commands and redis-server CPU per message of the measured windows), and/or `workers`, `janus-proxy
 * --workers N` (BENCH_WORKERS, default 2) on that Redis store, CPU summed over its processes; BENCH_PROXY_FLAGS, node flags of the
 * proxy (BENCH_REDIS_FLAGS: of the Redis-store proxy); BENCH_CPU_PROFILE_DIR / BENCH_RELAY_CPU_PROFILE_DIR, V8 CPU profiles of the proxy / relay
 * (written when they exit; read them with bench/profile-summary.ts). BENCH_FRESH=1 starts every side's process for its round
 * and stops it after, the sides in reverse order every other round, as npm run bench's own-host rounds do (default: one
 * process per side for the whole run). BENCH_PERF_DIR=dir: a Linux `perf record` of each proxy/relay process over each
 * measured window, written there as SIDE-SESSIONS-ROUND.data (BENCH_PERF_CALLGRAPH=1: with call graphs, perf record -g).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startJanus, type JanusInstance } from '../test/support/janus-fixture.js';
import { startRedis, type RedisInstance } from '../test/support/redis-fixture.js';
import { buildProxy, runtimeFlagsFrom, startProxyProcess, startProxyWorkers, startReferenceRelay, withService, type NodeService } from './proxy-process.js';
import { mergeRounds, runThroughput, type ThroughputResult, type WindowHooks } from './scenarios/throughput.js';
import { fmt } from './table.js';
import { otherCores } from './cpu.js';
import { TUNED_PROXY_YAML } from './config.js';
import { redisStoreYaml, redisWindowHooks, sessionOwner, type RedisWindowTotals } from './redis-window.js';

type Side = 'direct' | 'proxy' | 'relay' | 'base' | 'tuned' | 'redis' | 'workers';

function perMessage(r: ThroughputResult, of: 'proxy' | 'janus' | 'generator'): number {
  if (of === 'proxy') return r.cpuUs.proxy ? (r.cpuUs.proxy.user + r.cpuUs.proxy.system) / r.messages : Number.NaN;
  return r.cpuUs[of] / r.messages;
}

/**
 * `hooks` plus a Linux `perf record` of process `pid` over the measured window, written to `file`
 * (give the process --perf-basic-prof, e.g. in BENCH_PROXY_FLAGS, to name its JIT code).
 */
function withPerfRecord(hooks: WindowHooks | undefined, pid: number, file: string): WindowHooks {
  let perf: ChildProcess | undefined;
  return {
    atStart: async () => {
      await hooks?.atStart();
      perf = spawn('perf', ['record', '-F', '4000', ...(process.env.BENCH_PERF_CALLGRAPH === '1' ? ['-g'] : []), '-p', String(pid), '-o', file], { stdio: 'ignore' });
    },
    atEnd: async () => {
      const running = perf;
      if (running && running.exitCode === null) {
        const exited = once(running, 'exit');
        running.kill('SIGINT');
        await exited;
      }
      await hooks?.atEnd();
    },
  };
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('own-host: no redis-server started for this side');
  return value;
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const sessionCounts = counts.length > 0 ? counts : [50, 1000];
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const sides = (process.env.BENCH_SIDES ?? 'direct,proxy,relay').split(',') as Side[];
  let janus: JanusInstance | undefined;
  let redis: RedisInstance | undefined;
  const services: NodeService[] = [];
  try {
    const [started, build] = await Promise.all([startJanus({ netns: true, plugins: ['echotest'] }), buildProxy()]);
    janus = started;
    const server = sides.includes('redis') || sides.includes('workers') ? (redis = await startRedis()) : undefined;
    const backendUrl = janus.wsUrl;
    const redisFlags = runtimeFlagsFrom(process.env.BENCH_REDIS_FLAGS);
    // A second proxy to compare with in the same rounds: another build (a baseline) and/or other node flags.
    const baseEntry = process.env.BENCH_BASELINE_ENTRY;
    const starters: Record<Exclude<Side, 'direct'>, () => Promise<NodeService>> = {
      proxy: () => startProxyProcess({ build, backendUrl, logLevel: null, cpuProfileDir: process.env.BENCH_CPU_PROFILE_DIR, nodeFlags: runtimeFlagsFrom(process.env.BENCH_PROXY_FLAGS), extraConfig: { name: 'own-host', yaml: process.env.BENCH_CPU_PROFILE_DIR ? 'shutdown:\n  grace_s: 0\n' : '{}\n' } }),
      relay: () => startReferenceRelay(backendUrl, process.env.BENCH_RELAY_CPU_PROFILE_DIR, runtimeFlagsFrom(process.env.BENCH_RELAY_RUNTIME_FLAGS)),
      base: () => startProxyProcess({
        build: baseEntry ? { entry: baseEntry, mode: 'compiled' } : build, backendUrl, logLevel: null,
        runtimeFlags: runtimeFlagsFrom(process.env.BENCH_BASE_RUNTIME_FLAGS), nodeFlags: runtimeFlagsFrom(process.env.BENCH_BASE_FLAGS), extraConfig: { name: 'own-host-base', yaml: process.env.BENCH_BASE_YAML ?? '{}\n' },
      }),
      tuned: () => startProxyProcess({ build, backendUrl, logLevel: null, extraConfig: { name: 'own-host-tuned', yaml: TUNED_PROXY_YAML } }),
      redis: () => startProxyProcess({
        build, backendUrl, logLevel: null, nodeFlags: redisFlags,
        // A CPU profile is written at a clean exit, which the default shutdown grace would outlast.
        extraConfig: { name: 'own-host-redis', yaml: redisStoreYaml(must(server).url) + (redisFlags?.includes('--cpu-prof') ? 'shutdown:\n  grace_s: 0\n' : '') },
      }),
      workers: () => startProxyWorkers({
        build, backendUrl, logLevel: null, workers: Number(process.env.BENCH_WORKERS ?? 2),
        ownerOf: (id) => sessionOwner(must(server), 'own-host-workers:', id),
        extraConfig: { name: 'own-host-workers', yaml: redisStoreYaml(must(server).url, "  key_prefix: 'own-host-workers:'\n") },
      }),
    };
    // Long-lived processes (default), or with BENCH_FRESH=1 one started for each side and round and
    // stopped after it, the sides in reverse order every other round: npm run bench's own-host rounds.
    const fresh = process.env.BENCH_FRESH === '1';
    const perfDir = process.env.BENCH_PERF_DIR;
    const running = new Map<Side, NodeService>();
    if (!fresh) {
      for (const side of sides) {
        if (side === 'direct') continue;
        const service = await starters[side]();
        services.push(service);
        running.set(side, service);
      }
    }
    const withSide = <T>(side: Side, body: (target: { url: string; pid: number | undefined }) => Promise<T>): Promise<T> =>
      side === 'direct' ? body({ url: backendUrl, pid: undefined }) : withService(running.get(side) ?? starters[side], body);
    for (const sessions of sessionCounts) {
      const results: Partial<Record<Side, ThroughputResult[]>> = {};
      const redisTotals: RedisWindowTotals = { commands: 0, cpuUs: 0 };
      for (let round = 1; round <= rounds; round++) {
        for (const side of fresh && round % 2 === 0 ? [...sides].reverse() : sides) {
          const redisHooks = side === 'redis' && redis ? redisWindowHooks(redis, redisTotals) : undefined;
          const r = await withSide(side, ({ url, pid }) => {
            const perfFile = perfDir && pid !== undefined ? join(perfDir, `${side}-${String(sessions)}-${String(round)}.data`) : undefined;
            const hooks = perfFile && pid !== undefined ? withPerfRecord(redisHooks, pid, perfFile) : redisHooks;
            return runThroughput(url, sessions, { janus: janus?.pid ?? 0, proxy: pid, proxyTree: side === 'workers' }, hooks);
          });
          (results[side] ??= []).push(r);
          process.stderr.write(`[own-host] @${sessions} round ${round} ${side}: ${fmt(r.msgsPerSec, 0)} msgs/s, ${fmt(perMessage(r, 'proxy'), 1)} µs/msg (main ${fmt((r.cpuUs.proxyMain ?? Number.NaN) / r.messages, 1)}), janus ${fmt(perMessage(r, 'janus'), 1)}, gen ${fmt(perMessage(r, 'generator'), 1)}, p50 ${fmt(r.latency.summary().p50, 2)} ms\n`);
          await sleep(500);
        }
      }
      const merged = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, mergeRounds(v)])) as Partial<Record<Side, ThroughputResult>>;
      const direct = merged.direct?.msgsPerSec;
      const line = sides.map((side) => {
        const r = merged[side];
        if (!r) return '';
        const ratio = direct ? ` ×${fmt(r.msgsPerSec / direct, 2)}` : '';
        const main = r.cpuUs.proxyMain === undefined ? '' : ` (main thread ${fmt(r.cpuUs.proxyMain / r.messages, 1)})`;
        const split = r.cpuUs.proxy ? ` = ${fmt(r.cpuUs.proxy.user / r.messages, 1)} usr + ${fmt(r.cpuUs.proxy.system / r.messages, 1)} sys` : '';
        const cpu = side === 'direct' ? '' : ` ${fmt(perMessage(r, 'proxy'), 1)} µs${split}${main}`;
        return `${side} ${fmt(r.msgsPerSec, 0)}/s${ratio}${cpu} janus ${fmt(perMessage(r, 'janus'), 1)} gen ${fmt(perMessage(r, 'generator'), 1)} p50 ${fmt(r.latency.summary().p50, 2)} ms busy ${fmt(r.cpuUs.machine / (r.windowMs * 1000), 2)} other ${fmt(otherCores(r.cpuUs, r.windowMs), 2)}; errors ${r.errors}/${r.lost}`;
      });
      const p = merged.proxy;
      const rl = merged.relay;
      const above = p && rl ? ` | proxy − relay ${fmt(perMessage(p, 'proxy') - perMessage(rl, 'proxy'), 1)} µs` : '';
      const rd = merged.redis;
      const redisLine = rd
        ? (rl ? ` | redis − relay ${fmt(perMessage(rd, 'proxy') - perMessage(rl, 'proxy'), 1)} µs` : '') +
          (p ? ` | redis − proxy ${fmt(perMessage(rd, 'proxy') - perMessage(p, 'proxy'), 1)} µs, ×${fmt(rd.msgsPerSec / p.msgsPerSec, 2)} msgs/s` : '') +
          ` | Redis ${fmt(redisTotals.commands / rd.messages, 4)} commands, ${fmt(redisTotals.cpuUs / rd.messages, 2)} µs CPU per message`
        : '';
      process.stdout.write(`@${sessions}: ${line.filter(Boolean).join(' | ')}${above}${redisLine}\n`);
    }
  } finally {
    for (const s of services) await s.stop();
    await redis?.stop();
    await janus?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[own-host] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
