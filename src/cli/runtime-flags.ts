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
 */
export const PROXY_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/** V8 accepts `_` for `-` in flag names; `--single-threaded` implies single-threaded GC. */
const SINGLE_THREADED_GC = new Set(['--single-threaded-gc', '--single-threaded']);

/** How this process collects garbage, from the flags it was started with (for the start-up log). */
export function gcMode(execArgv: readonly string[] = process.execArgv): 'single-threaded' | 'parallel' {
  return execArgv.some((flag) => SINGLE_THREADED_GC.has(flag.replaceAll('_', '-'))) ? 'single-threaded' : 'parallel';
}
