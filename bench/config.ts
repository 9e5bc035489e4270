/** Every loop bound and duration of the suite. BENCH_QUICK=1 shrinks them for a smoke run. */
const quick = process.env.BENCH_QUICK === '1';

export const ECHOTEST = 'janus.plugin.echotest';

export const config = {
  latency: {
    /** Direct and proxy blocks alternate, so slow drift of the machine hits both alike. */
    rounds: quick ? 2 : 4,
    iterationsPerRound: quick ? 100 : 750,
    /**
     * Steady state is what is measured: the proxy's JIT takes about a thousand iterations to settle
     * (with 200, the first measured round's p99 was 1–1.8 ms higher than the next one's).
     */
    warmupIterations: quick ? 20 : 1500,
  },
  throughput: {
    sessionCounts: [50, 1000],
    sessionsPerConnection: 25,
    /** Rounds per side, alternating direct and proxy; each opens its own sessions. */
    rounds: quick ? 1 : 2,
    /**
     * Rounds per side with Janus on its own host, where the targets are checked: a single window can
     * land in a phase where this VM runs every process (Janus and the load generator too) 20–30 %
     * slower, and with two rounds one such window moved a side's figure by 4–11 µs.
     */
    ownHostRounds: quick ? 1 : 4,
    warmupMs: quick ? 500 : 1500,
    measureMs: quick ? 1500 : 4000,
    /** Bound on waiting for in-flight messages after the window, and on setup requests. */
    drainTimeoutMs: 10_000,
    requestTimeoutMs: 15_000,
  },
  /** The proxy and the reference relay under the same load at the same time (own host). */
  paired: {
    rounds: quick ? 2 : 6,
    /** Rounds of the Redis-store proxy beside the relay. */
    redisRounds: quick ? 1 : 4,
  },
  memory: {
    sessions: quick ? 2000 : 10_000,
    sessionsPerConnection: 500,
    settleMs: 2000,
    /** Janus's and the proxy's session_timeout is 60 s: everything must be measured well before. */
    maxIdleSpanMs: 40_000,
  },
  cluster: {
    /** Idle sessions (one EchoTest handle each) whose Redis memory is measured. */
    idleSessions: quick ? 1000 : 10_000,
    /** Sessions taken over from a SIGKILLed proxy. */
    takeOverSessions: quick ? 50 : 200,
  },
  /** Hard cap on the whole run; on expiry everything started is killed and the run fails. */
  runTimeoutMs: 22 * 60_000,
} as const;

/**
 * The proxy as an operator would tune it for throughput (the "proxy tuned" own-host round): only
 * real, documented options that could lower the cost per message. Compact JSON already is the
 * default. `backends.connections_per_server` stays at its default 2: with 1, Janus (its websockets
 * transport writes one queued message per writable callback per connection) spent 12–29 % more CPU
 * per message and throughput fell 8–14 %; 4 measured the same as 2 (bench/own-host.ts A/B, 3 rounds).
 */
export const TUNED_PROXY_YAML = [
  'log:',
  '  level: error',
  '',
].join('\n');

export const targets = {
  addedP50Ms: 0.3,
  addedP99Ms: 2,
  cpuUsPerMessage: 40,
  throughputRatio: 0.5,
  rssKiBPerSession: 20,
  /** Session take-over (claim on another proxy → success), p99. */
  takeOverP99Ms: 50,
  redisBytesPerSession: 1024,
  /** Throughput with store.type redis over the memory store, same rounds. */
  redisThroughputRatio: 0.9,
} as const;

/** With Janus on its own host and the proxy on its defaults (the deployed topology). */
export const realTopologyTargets = {
  throughputRatio: 0.7,
  cpuUsPerMessage: 35,
  /** Proxy CPU per message above the reference relay's, same rounds. */
  aboveRelayUs: 5,
} as const;
