// Runs a sentinel in-process for tests, supervising a real Janus on loopback that it starts from a
// generated config (janus -C DIR/janus.jcfg -F DIR). Every Janus pid the sentinel spawns is
// registered for cleanup, so a failing test never leaves one behind.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { writeJanusConfig } from '../../src/janus/config-writer.js';
import { parseSentinelConfig } from '../../src/config/sentinel-load.js';
import { Sentinel, type SentinelDeps } from '../../src/sentinel/sentinel.js';
import { openConfiguredStores } from '../../src/sentinel/store-sinks.js';
import { freePort, killPidSync, onCleanup, procComm, waitPidGoneSync } from './processes.js';
import { makeTempDir, recordChild } from './temp-dirs.js';
import type { JanusInstance } from './janus-fixture.js';

export const SENTINEL_TEST_TOKEN = 'sentinel-rest-token';
export const JANUS_ADMIN_SECRET = 'janusoverlord';

type Section = Record<string, unknown>;

export type SentinelFixtureOptions = {
  /** Proxies (or receivers) to report to: base URL and token. */
  proxies?: { url: string; token: string }[];
  plugins?: string[];
  apiSecret?: string;
  /** Sections merged over the fixture's fast test defaults. */
  config?: Partial<Record<'janus' | 'process' | 'monitor' | 'report' | 'drain' | 'recycle' | 'sweeper' | 'admin_api' | 'recordings', Section>>;
  /** false: watch mode is set up by the caller through `config.process`. */
  supervise?: boolean;
  /** Put before the Janus command line, e.g. `prlimit --nofile=N:N --` to start Janus with a small fd limit. */
  commandPrefix?: string[];
  deps?: SentinelDeps;
};

export type TestJanusConfig = { dir: string; configFile: string; wsUrl: string; adminWsUrl: string; argv: string[] };

export type TestSentinel = {
  sentinel: Sentinel;
  janus: TestJanusConfig;
  restUrl: string;
  token: string;
  /** The supervised Janus pid now (undefined while it is down). */
  pid(): number | undefined;
  stop(options?: { drain?: boolean }): Promise<void>;
};

/** A Janus config dir on free loopback ports; removed at exit. */
export async function makeJanusConfig(plugins: string[], apiSecret?: string): Promise<TestJanusConfig & { remove(): void }> {
  const dir = makeTempDir('janus');
  const unregister = onCleanup(`rm ${dir}`, () => { rmSync(dir, { recursive: true, force: true }); });
  const ports = { ws: await freePort(), adminWs: await freePort(), http: await freePort(), adminHttp: await freePort() };
  const configFile = writeJanusConfig({
    dir, host: '127.0.0.1', ports, http: false, adminSecret: JANUS_ADMIN_SECRET, plugins, apiSecret,
    debugLevel: 4, rtpPortRange: '20000-20999',
    reclaimSessionTimeout: 0, // Janus's own default: these tests expect a closed socket to end its sessions
  });
  return {
    dir, configFile,
    wsUrl: `ws://127.0.0.1:${String(ports.ws)}`,
    adminWsUrl: `ws://127.0.0.1:${String(ports.adminWs)}`,
    argv: ['janus', '-C', configFile, '-F', dir],
    remove: () => { unregister(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** SIGKILL this Janus pid at exit if a test failed to stop it (and it is still a janus). */
export function killAtExit(pid: number, dir: string): void {
  recordChild(dir, pid, 'janus');
  onCleanup(`janus pid ${String(pid)}`, () => {
    if (procComm(pid) !== 'janus') return;
    killPidSync(pid, 'SIGKILL');
    waitPidGoneSync(pid);
  });
}

export function fastTestConfig(janus: TestJanusConfig, opts: SentinelFixtureOptions, restPort: number): Section {
  const c = opts.config ?? {};
  return {
    janus: { server_name: 'sentinel-test', public_url: janus.wsUrl, ws_url: janus.wsUrl, admin_ws_url: janus.adminWsUrl, admin_secret: JANUS_ADMIN_SECRET, api_secret: opts.apiSecret, ...c.janus },
    process: opts.supervise === false ? { ...c.process } : {
      command: [...(opts.commandPrefix ?? []), ...janus.argv], log_file: join(janus.dir, 'janus.out'), restart_initial_delay_ms: 300, restart_max_delay_ms: 2_000, stop_timeout_ms: 3_000, ...c.process,
    },
    monitor: { ping_interval_ms: 200, ping_timeout_ms: 1_000, overload_rtt_ms: 0, load_interval_ms: 300, request_timeout_ms: 2_000, ...c.monitor },
    report: { interval_ms: 1_000, expire_s: 5, timeout_ms: 1_000, proxies: opts.proxies ?? [], ...c.report },
    drain: { timeout_ms: 10_000, poll_interval_ms: 100, ...c.drain },
    recycle: { ...c.recycle },
    sweeper: { enabled: false, ...c.sweeper },
    admin_api: { host: '127.0.0.1', port: restPort, token: SENTINEL_TEST_TOKEN, ...c.admin_api },
    recordings: { ...c.recordings },
    log: { level: process.env.SENTINEL_LOG_LEVEL ?? 'silent' },
  };
}

export async function startTestSentinel(opts: SentinelFixtureOptions = {}): Promise<TestSentinel> {
  const janus = await makeJanusConfig(opts.plugins ?? ['echotest'], opts.apiSecret);
  const config = parseSentinelConfig(fastTestConfig(janus, opts, 0));
  const logger = pino({ level: config.log.level });
  const opened = opts.deps ? undefined : await openConfiguredStores(config, logger);
  const sentinel = new Sentinel(config, logger, opened ? { stores: opened.stores, closeStores: opened.close } : opts.deps);
  // Registered before start(), so even the first Janus pid is cleaned up if the test fails.
  sentinel.process.spawned.on((pid) => { killAtExit(pid, janus.dir); });
  try {
    await sentinel.start();
  } catch (err) {
    await sentinel.stop({ drain: false });
    janus.remove();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    sentinel,
    janus,
    restUrl: sentinel.restUrl ?? '',
    token: SENTINEL_TEST_TOKEN,
    pid: () => sentinel.process.view().pid,
    stop(options) {
      stopping ??= sentinel.stop(options).finally(() => { janus.remove(); });
      return stopping;
    },
  };
}

/**
 * A sentinel watching a fixture Janus it did not start (a pid file in the Janus's dir), reporting it
 * under its own name and URL, e.g. one in a network namespace that real media reaches.
 */
export function startWatchingSentinel(janus: JanusInstance, opts: Omit<SentinelFixtureOptions, 'supervise'> = {}): Promise<TestSentinel> {
  const pidFile = join(janus.dir, 'janus.pid');
  writeFileSync(pidFile, `${String(janus.pid)}\n`);
  const c = opts.config ?? {};
  return startTestSentinel({
    ...opts,
    supervise: false,
    config: {
      ...c,
      janus: { server_name: janus.name, public_url: janus.wsUrl, ws_url: janus.wsUrl, admin_ws_url: janus.adminWsUrl, admin_secret: janus.adminSecret, ...c.janus },
      process: { pid_file: pidFile, ...c.process },
    },
  });
}
