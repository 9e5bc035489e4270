/**
 * A/B comparison of two proxies under the same load at the same time: Janus on its own host, both
 * proxies carry N echotest sessions each, concurrently, in every round. "this" is this tree on its
 * defaults; "base" is the compiled build BENCH_BASELINE_ENTRY (default: this tree too), on its
 * defaults or, with BENCH_BASE_STORE=redis, with a Redis store (a redis-server started here);
 * BENCH_BASE=relay makes it the reference relay (bench/reference-relay.ts) instead; BENCH_BASE_ENV
 * (NAME=value pairs, space-separated) sets environment variables of the base proxy only;
 * BENCH_THIS_RUNTIME_FLAGS / BENCH_BASE_RUNTIME_FLAGS replace the shipped runtime flags
 * (src/cli/runtime-flags.ts) of either side (`none`: no flags). Background noise on a shared machine then hits both sides
 * within the same window, so the per-round difference in CPU per message is far steadier than
 * between alternating rounds. For deciding whether a hot-path change is worth keeping:
 *
 *   BENCH_BASELINE_ENTRY=.tmp/base-dist/cli/janus-proxy.js node --import tsx bench/ab-paired.ts [sessions=1000] [rounds=6]
 *
 * (build the baseline with `npx tsc -p tsconfig.build.json --outDir .tmp/base-dist` on the other revision).
 *
 *   BENCH_BASE_STORE=redis node --import tsx bench/ab-paired.ts 1000 6   (what the Redis store costs per message)
 */
import { startJanus, type JanusInstance } from '../test/support/janus-fixture.js';
import { buildProxy, runtimeFlagsFrom, startProxyProcess, startReferenceRelay, type NodeService } from './proxy-process.js';
import { cpuPerMessage, mean, median, runPaired } from './scenarios/paired.js';
import { fmt } from './table.js';
import { startRedis, type RedisInstance } from '../test/support/redis-fixture.js';
import { redisStoreYaml } from './redis-window.js';

async function main(): Promise<void> {
  const sessions = Number(process.argv[2] ?? 1000);
  const rounds = Number(process.argv[3] ?? 6);
  const baseEntry = process.env.BENCH_BASELINE_ENTRY;
  let janus: JanusInstance | undefined;
  let redis: RedisInstance | undefined;
  const services: NodeService[] = [];
  try {
    const [started, build] = await Promise.all([startJanus({ netns: true, plugins: ['echotest'] }), buildProxy()]);
    janus = started;
    if (process.env.BENCH_BASE_STORE === 'redis') redis = await startRedis();
    const a = await startProxyProcess({ build, backendUrl: janus.wsUrl, logLevel: null, runtimeFlags: runtimeFlagsFrom(process.env.BENCH_THIS_RUNTIME_FLAGS), extraConfig: { name: 'ab-a', yaml: '{}\n' } });
    services.push(a);
    const b = process.env.BENCH_BASE === 'relay'
      ? await startReferenceRelay(janus.wsUrl, undefined, runtimeFlagsFrom(process.env.BENCH_BASE_RUNTIME_FLAGS))
      : await startProxyProcess({
        build: baseEntry ? { entry: baseEntry, mode: 'compiled' } : build, backendUrl: janus.wsUrl, logLevel: null,
        runtimeFlags: runtimeFlagsFrom(process.env.BENCH_BASE_RUNTIME_FLAGS),
        extraConfig: { name: 'ab-b', yaml: redis ? redisStoreYaml(redis.url) : '{}\n' },
        env: Object.fromEntries((process.env.BENCH_BASE_ENV ?? '').split(' ').filter(Boolean).map((pair) => pair.split('=', 2) as [string, string])),
      });
    services.push(b);
    const result = await runPaired(a, b, janus.pid, sessions, rounds, (round, ra, rb) => {
      const diff = cpuPerMessage(ra) - cpuPerMessage(rb);
      process.stdout.write(`round ${round}: this ${fmt(cpuPerMessage(ra), 1)} µs (${fmt(ra.msgsPerSec, 0)}/s) | base ${fmt(cpuPerMessage(rb), 1)} µs (${fmt(rb.msgsPerSec, 0)}/s) | this − base ${fmt(diff, 2)} µs; errors ${ra.errors + rb.errors}/${ra.lost + rb.lost}\n`);
    });
    const { diffs } = result;
    process.stdout.write(`@${sessions}: this − base mean ${fmt(mean(diffs), 2)} µs, median ${fmt(median(diffs), 2)}, range ${fmt(Math.min(...diffs), 2)} … ${fmt(Math.max(...diffs), 2)}\n`);
  } finally {
    for (const s of services) await s.stop();
    await redis?.stop();
    await janus?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[ab-paired] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
