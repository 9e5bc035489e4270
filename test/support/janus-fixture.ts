// Real Janus processes for tests. By default each runs as its own host in a network namespace
// (see netns.ts); `netns: false` binds to loopback, which is fine for signalling but not for media:
// Janus never gathers loopback candidates and would offer the machine's real address.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { rawToString } from './janus-client.js';
import { DEFAULT_PLUGINS, toLibconfig, writeJanusConfig } from '../../src/janus/config-writer.js';
import { createTestHost, type TestHost } from './netns.js';
import { createTestLan, type TestLan } from './test-lan.js';
import { makeTempDir, recordChild } from './temp-dirs.js';
import { freePort, onCleanup, pollUntil, procComm, terminateChild, trackChild, waitForExit } from './processes.js';

export type JanusOptions = {
  /** Run in a fresh network namespace (default true). Required for media tests. */
  netns?: boolean;
  /**
   * Run as a host on this test LAN (see test-lan.ts) instead of on a point-to-point veth, so that
   * Janus servers reach each other (VideoRoom remote publishers). startJanusCluster also takes `true`.
   */
  lan?: TestLan | boolean;
  /** Write a fresh VideoRoom config (no demo rooms) with these plugin-wide settings. */
  videoroom?: { stringIds?: boolean; adminKey?: string; lockRtpForward?: boolean };
  /**
   * Keep the stock plugin configs (they are the default) but give RecordPlay a writable recordings
   * folder (Debian's sits in Janus's protected folders), with the package's sample recording copied in.
   */
  stockRecordings?: boolean;
  /** Short plugin names ('echotest', 'videoroom', ...); every other plugin is disabled. */
  plugins?: string[];
  apiSecret?: string;
  adminSecret?: string;
  sessionTimeout?: number;
  reclaimSessionTimeout?: number;
  fullTrickle?: boolean;
  tokenAuth?: boolean;
  tokenAuthSecret?: string;
  /** Enables Janus's HTTP event handler, posting to this URL (given the root-side address, in netns mode, and the name). */
  eventHandlerUrl?: (rootAddress: string | undefined, name: string) => string;
  /** Enable the plain HTTP Janus API too (default true). Admin HTTP is always on. */
  http?: boolean;
  serverName?: string;
  debugLevel?: number;
  rtpPortRange?: string;
  readyTimeoutMs?: number;
};

export type JanusInstance = {
  name: string;
  /** Pid of the current janus process (changes after restart()). */
  pid: number;
  dir: string;
  logPath: string;
  host: string;
  /** Root-side veth address, for werift's iceInterfaceAddresses; undefined in loopback mode. */
  peerAddress?: string;
  testHost?: TestHost;
  /** The test LAN this Janus is a host on, if any. */
  lan?: TestLan;
  wsUrl: string;
  adminWsUrl: string;
  httpUrl: string;
  adminHttpUrl: string;
  adminSecret: string;
  /** Send a signal (default SIGKILL) and resolve once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM, SIGKILL after 5 s, tear down the namespace and the config dir. Idempotent. */
  stop(): Promise<void>;
  /** Start again with the same config and addresses after kill(); resolves when ready. */
  restart(): Promise<void>;
  logTail(lines?: number): string;
};

const running = new Set<JanusInstance>();
let counter = 0;

function tail(path: string, lines: number): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').split('\n').slice(-lines - 1).join('\n');
}

/** One WS round trip: resolves true when `request` gets a frame whose `janus` is `expected`. */
export function probeWs(url: string, protocol: string, request: object, expected: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocol, { handshakeTimeout: timeoutMs });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
      resolve(ok);
    };
    const timer = setTimeout(() => { done(false); }, timeoutMs);
    ws.on('open', () => { ws.send(JSON.stringify({ ...request, transaction: 'ready-probe' })); });
    ws.on('message', (data: WebSocket.RawData) => {
      try {
        const msg = JSON.parse(rawToString(data)) as { janus?: unknown };
        done(msg.janus === expected);
      } catch {
        done(false);
      }
    });
    ws.on('error', () => { done(false); });
    ws.on('close', () => { done(false); });
  });
}

async function probeHttp(url: string, init: RequestInit, expected?: string): Promise<boolean> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { janus?: unknown };
    return res.status === 200 && (expected === undefined || body.janus === expected);
  } catch {
    return false;
  }
}

export async function startJanus(opts: JanusOptions = {}): Promise<JanusInstance> {
  const index = ++counter;
  const name = opts.serverName ?? `janus-${index}`;
  const useNetns = opts.netns ?? true;
  const http = opts.http ?? true;
  const adminSecret = opts.adminSecret ?? 'janusoverlord';
  const keepDir = process.env.JANUS_FIXTURE_KEEP === '1';

  if (opts.lan === true) throw new Error('startJanus needs a TestLan object; `lan: true` is for startJanusCluster');
  const lan = opts.lan === false ? undefined : opts.lan;
  const testHost = lan ? await lan.addHost() : useNetns ? await createTestHost() : undefined;
  const host = testHost?.address ?? '127.0.0.1';
  // Inside a namespace the port space is private, so every Janus uses the stock ports.
  const ports = testHost
    ? { ws: 8188, adminWs: 7188, http: 8088, adminHttp: 7088 }
    : { ws: await freePort(), adminWs: await freePort(), http: await freePort(), adminHttp: await freePort() };
  const dir = makeTempDir('janus');
  const unregisterDir = onCleanup(`rm ${dir}`, () => { if (!keepDir) rmSync(dir, { recursive: true, force: true }); });
  let configFile: string;
  try {
    configFile = writeJanusConfig({
      dir, host, ports, http, adminSecret,
      plugins: opts.plugins ?? DEFAULT_PLUGINS,
      apiSecret: opts.apiSecret,
      tokenAuth: opts.tokenAuth,
      tokenAuthSecret: opts.tokenAuthSecret,
      eventHandlerUrl: opts.eventHandlerUrl?.(testHost?.rootAddress, name),
      sessionTimeout: opts.sessionTimeout,
      // Janus's own default (0) unless a test asks: tests compare the proxy with Janus as shipped, and
      // many expect a closed socket to take its sessions along. Take-over tests set their own.
      reclaimSessionTimeout: opts.reclaimSessionTimeout ?? 0,
      fullTrickle: opts.fullTrickle,
      serverName: opts.serverName,
      iceEnforce: testHost?.address,
      debugLevel: opts.debugLevel ?? 4,
      rtpPortRange: opts.rtpPortRange ?? '20000-20999',
    });
    if (opts.videoroom) writeVideoroomConfig(dir, opts.videoroom);
    if (opts.stockRecordings === true) writeRecordPlayConfig(dir);
  } catch (err) {
    await testHost?.destroy();
    unregisterDir();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const logPath = join(dir, 'janus.log');
  const outPath = join(dir, 'janus.out'); // stdout/stderr: errors before the log file is open

  const wsUrl = `ws://${host}:${ports.ws}`;
  const adminWsUrl = `ws://${host}:${ports.adminWs}`;
  const httpUrl = `http://${host}:${ports.http}/janus`;
  const adminHttpUrl = `http://${host}:${ports.adminHttp}/admin`;

  let child: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  /** Set while kill() or stop() ends the process: any other exit is Janus dying on its own, which is reported. */
  let exitExpected = false;

  const logTail = (lines = 40): string => {
    const out = tail(outPath, lines).trim();
    return tail(logPath, lines) + (out ? `\n--- stdout/stderr ---\n${out}` : '');
  };

  const launch = async (): Promise<void> => {
    const fd = openSync(outPath, 'a');
    const janusArgs = ['-C', configFile, '-F', dir];
    // `ip netns exec` exec()s janus, so the spawned pid is the janus pid.
    const c = testHost
      // cwd = its own dir, so a crashing Janus leaves its core file there, not in the work tree.
      ? spawn('ip', ['netns', 'exec', testHost.ns, 'janus', ...janusArgs], { stdio: ['ignore', fd, fd], cwd: dir })
      : spawn('janus', janusArgs, { stdio: ['ignore', fd, fd], cwd: dir });
    closeSync(fd);
    const pid = c.pid;
    if (pid === undefined) throw new Error(`${name}: spawn failed`);
    c.unref(); // a forgotten stop() must not keep the test process alive; the exit handler kills it
    c.on('error', () => undefined);
    exitExpected = false;
    c.on('exit', (code, signal) => {
      // Otherwise only seen as "Backend connection lost" or a closed socket in some later request.
      if (!exitExpected) process.stderr.write(`${name} (pid ${String(pid)}) died on its own: ${signal ?? `exit code ${String(code)}`} (see dmesg; log ${logPath})\n${logTail(15)}\n`);
    });
    child = c;
    instance.pid = pid;
    trackChild(c, `${name} pid ${pid}`);
    testHost?.trackPid(pid);
    recordChild(dir, pid, 'janus');
    await waitUntilReady(c, opts.readyTimeoutMs ?? 10_000);
    if (procComm(pid) !== 'janus') throw new Error(`${name}: pid ${pid} is ${procComm(pid) ?? 'gone'}, not janus`);
  };

  const waitUntilReady = async (c: ChildProcess, timeoutMs: number): Promise<void> => {
    const exited = (): boolean => c.exitCode !== null || c.signalCode !== null;
    try {
      await pollUntil(`${name} to answer on ${wsUrl}`, async () => {
        if (exited()) throw new Error('exited');
        const checks = await Promise.all([
          probeWs(wsUrl, 'janus-protocol', { janus: 'info' }, 'server_info'),
          probeWs(adminWsUrl, 'janus-admin-protocol', { janus: 'ping' }, 'pong'),
          probeHttp(adminHttpUrl, { method: 'POST', body: JSON.stringify({ janus: 'ping', transaction: 'ready-probe' }) }, 'pong'),
          http ? probeHttp(`${httpUrl}/info`, {}) : Promise.resolve(true),
        ]);
        return checks.every(Boolean) ? true : undefined;
      }, timeoutMs);
    } catch (err) {
      const why = exited() ? `${name} exited (${String(c.exitCode ?? c.signalCode)}) before it was ready`
        : err instanceof Error ? err.message : String(err);
      throw new Error(`${why}
--- log tail ---
${logTail()}`);
    }
  };

  const instance: JanusInstance = {
    name, pid: 0, dir, logPath, host, wsUrl, adminWsUrl, httpUrl, adminHttpUrl, adminSecret, logTail,
    ...(testHost ? { testHost, peerAddress: testHost.rootAddress } : {}),
    ...(lan ? { lan } : {}),
    async kill(signal = 'SIGKILL') {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      exitExpected = true;
      child.kill(signal);
      if (!(await waitForExit(child, 15_000))) throw new Error(`${name} did not exit after ${signal}`);
    },
    stop() {
      stopping ??= (async () => {
        running.delete(instance);
        exitExpected = true;
        if (child) await terminateChild(child, 5000);
        await testHost?.destroy();
        unregisterDir();
        if (!keepDir) rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
    async restart() {
      if (stopping) throw new Error(`${name} was stopped; start a new instance instead`);
      if (child && child.exitCode === null && child.signalCode === null) throw new Error(`${name} is still running; kill() it first`);
      await launch();
    },
  };
  running.add(instance);

  try {
    await launch();
  } catch (err) {
    await instance.stop();
    throw err;
  }
  return instance;
}

/** The plugin config without the Debian demo rooms, so tests see only the rooms they create. */
function writeVideoroomConfig(dir: string, v: NonNullable<JanusOptions['videoroom']>): void {
  writeFileSync(join(dir, 'janus.plugin.videoroom.jcfg'), toLibconfig({
    general: { string_ids: v.stringIds, admin_key: v.adminKey, lock_rtp_forward: v.lockRtpForward },
  }));
}

/** RecordPlay (starting with the package's samples) and VoiceMail recording into the fixture's own folders. */
function writeRecordPlayConfig(dir: string): void {
  const recordings = join(dir, 'recordings');
  mkdirSync(recordings);
  const samples = '/usr/share/janus/recordings';
  if (existsSync(samples)) for (const name of readdirSync(samples)) copyFileSync(join(samples, name), join(recordings, name));
  writeFileSync(join(dir, 'janus.plugin.recordplay.jcfg'), toLibconfig({ general: { path: recordings } }));
  // VoiceMail's stock folder is inside the read-only demos; its links stay under the stock base URL.
  const voicemail = join(dir, 'voicemail');
  mkdirSync(voicemail);
  writeFileSync(join(dir, 'janus.plugin.voicemail.jcfg'), toLibconfig({ general: { path: voicemail, base: '/voicemail/', events: true } }));
}

/**
 * Start n instances in parallel, named `${serverName ?? 'janus'}-1..n`. With `lan: true` they share a
 * new test LAN, destroyed when the last of them is stopped.
 */
export async function startJanusCluster(n: number, opts: JanusOptions = {}): Promise<JanusInstance[]> {
  const base = opts.serverName ?? 'janus';
  const ownLan = opts.lan === true ? await createTestLan() : undefined;
  const lan = ownLan ?? (opts.lan === true ? undefined : opts.lan);
  const results = await Promise.allSettled(
    Array.from({ length: n }, (_, i) => startJanus({ ...opts, lan, serverName: `${base}-${String(i + 1)}` })),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failed) {
    await Promise.all(started.map((j) => j.stop()));
    await ownLan?.destroy();
    throw failed.reason;
  }
  if (ownLan) {
    let left = started.length;
    for (const instance of started) {
      const stop = instance.stop.bind(instance);
      let stopping: Promise<void> | undefined;
      instance.stop = () => (stopping ??= stop().then(async () => { if (--left === 0) await ownLan.destroy(); }));
    }
  }
  return started;
}

/** Stop every instance started by this process that is not stopped yet. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((j) => j.stop()));
}
