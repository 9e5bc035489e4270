/**
 * The Node flags `janus-proxy` is shipped to run with: the shebang of src/cli/janus-proxy.ts, the
 * systemd unit (conf/janus-proxy.service), the tests and the benchmark all start it with these
 * (test/unit/runtime-flags.test.ts keeps them in step). V8 reads them only at start-up: set later
 * (v8.setFlagsFromString) the garbage collector aborts the process.
 *
 * `--single-threaded-gc`: V8's helper threads for parallel scavenges and concurrent marking cost a
 * proxy sharing its cores (with Janus, the other workers of `--workers N`, the load) more CPU than
 * they save it — measured at 2–6 µs less CPU per relayed message and more msgs/s (README).
 */
export const PROXY_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/** How this process collects garbage, from the flags it was started with (for the start-up log). */
export function gcMode(execArgv: readonly string[] = process.execArgv): 'single-threaded' | 'parallel' {
  return execArgv.includes('--single-threaded-gc') ? 'single-threaded' : 'parallel';
}
