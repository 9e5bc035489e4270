/**
 * The Node flags `janus-proxy` is shipped to run with, given wherever it is started as a process:
 * the sh preamble of src/cli/janus-proxy.ts (so `dist/cli/janus-proxy.js` and the installed
 * `janus-proxy` command run node with them), the systemd unit (conf/janus-proxy.service),
 * `npm run cluster`, the child-process test fixture and the CPU benchmarks
 * (test/unit/runtime-flags.test.ts keeps them in step). V8 reads them only at start-up: set later
 * (v8.setFlagsFromString) the garbage collector aborts the process, and NODE_OPTIONS refuses them.
 *
 * `--single-threaded-gc`: V8's helper threads for parallel scavenges and concurrent marking cost a
 * proxy sharing its cores (with Janus, the load, the other workers of `--workers N`) more CPU than
 * they save it — 2–4 µs less CPU per relayed message without them, throughput within the rounds'
 * spread; full collections pause longer (README, Benchmarks).
 *
 * `--no-allocation-site-pretenuring`: V8 allocates objects straight into the old generation from
 * allocation sites whose objects often survived a young collection. A burst of session setup (with a
 * Redis store each `create` waits for Redis, so its objects live longer) could get sites of the
 * relay path tenured: from then on the proxy's short-lived per-message objects went to the old
 * generation, two or three full collections per 4 s window instead of none and scavenges 2.5 times
 * dearer — +4.3 µs per message at 1000 sessions, in some processes and not others. Without
 * pretenuring, those objects die young: the Redis-store proxy within 0.7 µs of the memory-store
 * one, which itself does not change (README, Benchmarks, session 18).
 */
export const PROXY_NODE_FLAGS: readonly string[] = ['--single-threaded-gc', '--no-allocation-site-pretenuring'];

/** V8 accepts `_` for `-` in flag names; `--single-threaded` implies single-threaded GC. */
const SINGLE_THREADED_GC = new Set(['--single-threaded-gc', '--single-threaded']);

/** How this process collects garbage, from the flags it was started with (for the start-up log). */
export function gcMode(execArgv: readonly string[] = process.execArgv): 'single-threaded' | 'parallel' {
  return execArgv.some((flag) => SINGLE_THREADED_GC.has(flag.replaceAll('_', '-'))) ? 'single-threaded' : 'parallel';
}
