/**
 * A/B comparison of two proxies under the same load at the same time: Janus on its own host, both
 * proxies carry N echotest sessions each, concurrently, in every round. "this" is this tree on its
 * defaults; "base" is the compiled build BENCH_BASELINE_ENTRY (default: this tree too), on its
 * defaults or, with BENCH_BASE_STORE=redis, with a Redis store (a redis-server started here);
 * BENCH_BASE=relay makes it the reference relay (bench/reference-relay.ts) instead. Background noise on a shared machine then hits both sides
 * within the same window, so the per-round difference in CPU per message is far steadier than
 * between alternating rounds. For deciding whether a hot-path change is worth keeping:
 *
 *   BENCH_BASELINE_ENTRY=.tmp/base-dist/cli/janus-proxy.js node --import tsx bench/ab-paired.ts [sessions=1000] [rounds=6]
 *
 * (build the baseline with `npx tsc -p tsconfig.build.json --outDir .tmp/base-dist` on the other revision).
 *
 *   BENCH_BASE_STORE=redis node --import tsx bench/ab-paired.ts 1000 6   (what the Redis store costs per message)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startJanus, type JanusInstance } from '../test/support/janus-fixture.js';
import { buildProxy, startProxyProcess, startReferenceRelay, type NodeService } from './proxy-process.js';
import { runThroughput, type ThroughputResult } from './scenarios/throughput.js';
import { fmt } from './table.js';
import { startRedis, type RedisInstance } from '../test/support/redis-fixture.js';
import { redisStoreYaml } from './redis-window.js';

const perMessage = (r: ThroughputResult): number =>
  r.cpuUs.proxy ? (r.cpuUs.proxy.user + r.cpuUs.proxy.system) / r.messages : Number.NaN;

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
    const a = await startProxyProcess({ build, backendUrl: janus.wsUrl, logLevel: null, extraConfig: { name: 'ab-a', yaml: '{}\n' } });
    services.push(a);
    const b = process.env.BENCH_BASE === 'relay'
      ? await startReferenceRelay(janus.wsUrl)
      : await startProxyProcess({
        build: baseEntry ? { entry: baseEntry, mode: 'compiled' } : build, backendUrl: janus.wsUrl, logLevel: null,
        extraConfig: { name: 'ab-b', yaml: redis ? redisStoreYaml(redis.url) : '{}\n' },
      });
    services.push(b);
    const diffs: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const pid = janus.pid;
      const [ra, rb] = await Promise.all([
        runThroughput(a.url, sessions, { janus: pid, proxy: a.pid }),
        runThroughput(b.url, sessions, { janus: pid, proxy: b.pid }),
      ]);
      const diff = perMessage(ra) - perMessage(rb);
      diffs.push(diff);
      process.stdout.write(`round ${round}: this ${fmt(perMessage(ra), 1)} µs (${fmt(ra.msgsPerSec, 0)}/s) | base ${fmt(perMessage(rb), 1)} µs (${fmt(rb.msgsPerSec, 0)}/s) | this − base ${fmt(diff, 2)} µs; errors ${ra.errors + rb.errors}/${ra.lost + rb.lost}\n`);
      await sleep(500);
    }
    const mean = diffs.reduce((s, d) => s + d, 0) / diffs.length;
    const sorted = [...diffs].sort((x, y) => x - y);
    process.stdout.write(`@${sessions}: this − base mean ${fmt(mean, 2)} µs, median ${fmt(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, 2)}, range ${fmt(sorted[0] ?? Number.NaN, 2)} … ${fmt(sorted[sorted.length - 1] ?? Number.NaN, 2)}\n`);
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
