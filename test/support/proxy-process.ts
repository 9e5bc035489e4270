// The proxy as its own process (the real `janus-proxy` command), for tests that must kill a proxy
// outright (SIGKILL: no shutdown code runs, as when a host dies). Stopped by pid only.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeWs, type JanusInstance } from './janus-fixture.js';
import { JanusTestClient } from './janus-client.js';
import { PROXY_NODE_FLAGS } from '../../src/cli/runtime-flags.js';
import { freePort, onCleanup, pollUntil, stopperFor, trackChild, waitForExit } from './processes.js';

export type ProxyProcess = {
  url: string;
  /** The REST admin API (dashboard), when the config enables it: `admin_api: { enabled: true, token }`. */
  adminUrl?: string;
  pid: number;
  /** SIGKILL (default) and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s), remove the temp dir. Idempotent. */
  stop(): Promise<void>;
  logTail(lines?: number): string;
};

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'janus-proxy.ts');

/** Starts `janus-proxy` with `config` (merged over test defaults) and waits until its backends are connected. */
export async function startProxyProcess(janus: readonly JanusInstance[], config: Record<string, unknown> = {}, extraArgs: readonly string[] = []): Promise<ProxyProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'jc-proxy-'));
  const unregisterDir = onCleanup(`rm ${dir}`, () => { rmSync(dir, { recursive: true, force: true }); });
  const configPath = join(dir, 'janus-proxy.yml');
  // An enabled admin API gets a free port of its own (several proxies share one config in tests).
  const admin = config.admin_api as { enabled?: boolean; port?: number } | undefined;
  const adminPort = admin?.enabled === true ? admin.port ?? await freePort() : undefined;
  writeFileSync(configPath, JSON.stringify({ // JSON is YAML
    log: { level: process.env.PROXY_LOG_LEVEL ?? 'warn' },
    ws_transport: { host: '127.0.0.1', port },
    http_transport: { enabled: false },
    backends: { reconnect_initial_delay_ms: 100, reconnect_max_delay_ms: 500 },
    shutdown: { grace_s: 0 }, // stop() sends SIGTERM: no waiting for clients unless a test asks
    janus_server: janus.map((j) => ({ name: j.name, url: j.wsUrl })),
    ...config,
    admin_api: adminPort === undefined ? { enabled: false } : { ...admin, host: '127.0.0.1', port: adminPort },
  }));
  const logPath = join(dir, 'proxy.log');
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, [...PROXY_NODE_FLAGS, '--import', 'tsx', CLI, '--config', configPath, ...extraArgs], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error('janus-proxy: spawn failed');
  trackChild(child, `janus-proxy pid ${String(pid)}`);
  const url = `ws://127.0.0.1:${String(port)}`;
  const logTail = (lines = 30): string => readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');

  const stop = stopperFor(child, dir, unregisterDir);
  try {
    await pollUntil('janus-proxy to connect its backends', async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`janus-proxy exited:\n${logTail()}`);
      if (!(await probeWs(url, 'janus-protocol', { janus: 'ping' }, 'pong'))) return undefined;
      return (await backendsUp(url, janus.length)) ? true : undefined;
    }, 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url, pid, stop, logTail,
    ...(adminPort === undefined ? {} : { adminUrl: `http://127.0.0.1:${String(adminPort)}` }),
    async kill(signal = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      if (!(await waitForExit(child, 10_000))) throw new Error(`janus-proxy pid ${String(pid)} did not exit after ${signal}`);
    },
  };
}

/** Whether `info` lists the plugins of connected backends (the proxy lists only those). */
async function backendsUp(url: string, expected: number): Promise<boolean> {
  if (expected === 0) return true;
  const client = await JanusTestClient.connect(url);
  try {
    const info = await client.request({ janus: 'info' });
    return Object.keys((info.plugins as object | undefined) ?? {}).some((p) => p !== 'janus.plugin.p2pcall');
  } finally {
    await client.close();
  }
}
