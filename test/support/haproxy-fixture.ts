// A real HAProxy (Debian's haproxy) running the shipped conf/haproxy.cfg unchanged: the test only
// sets the environment variables the file reads (its listening addresses and the proxies' ports),
// so what is tested is what operators deploy. Runs in the foreground, stopped by pid.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, recordChild } from './temp-dirs.js';
import { freePort, onCleanup, pollUntil, stopperFor, trackChild } from './processes.js';

export const HAPROXY_CONFIG = join(import.meta.dirname, '..', '..', 'conf', 'haproxy.cfg');
/** The number of `server` lines per backend in the shipped file. */
export const HAPROXY_CONFIG_SERVERS = 3;

/** The ports of one proxy behind the load balancer (all on 127.0.0.1). */
export type ProxyPorts = { ws: number; http: number; admin: number };

/** One row of HAProxy's `/stats;csv`: a server of a backend and its check status. */
export type ServerState = { backend: string; server: string; status: string; sessionsTotal: number };

export type HaproxyInstance = {
  wsUrl: string;
  /** The HTTP API base, `http://127.0.0.1:<port>/janus`. */
  httpUrl: string;
  pid: number;
  /** Every server of the two proxy backends, as HAProxy sees it now. */
  servers(): Promise<ServerState[]>;
  /** Resolves when `server` (proxy1..3) has `status` (UP, DOWN) in both backends. */
  waitForStatus(server: string, status: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  logTail(lines?: number): string;
  stop(): Promise<void>;
};

/** The environment conf/haproxy.cfg reads, for `proxies` (1..3) on loopback and the given listening ports. */
function configEnv(proxies: readonly ProxyPorts[], ports: { ws: number; http: number; stats: number }): Record<string, string> {
  const env: Record<string, string> = {
    JC_LB_WS_BIND: `127.0.0.1:${String(ports.ws)}`,
    JC_LB_HTTP_BIND: `127.0.0.1:${String(ports.http)}`,
    JC_LB_STATS_BIND: `127.0.0.1:${String(ports.stats)}`,
  };
  proxies.forEach((p, i) => {
    const n = String(i + 1);
    env[`JC_PROXY${n}_HOST`] = '127.0.0.1';
    env[`JC_PROXY${n}_WS_PORT`] = String(p.ws);
    env[`JC_PROXY${n}_HTTP_PORT`] = String(p.http);
    env[`JC_PROXY${n}_ADMIN_PORT`] = String(p.admin);
  });
  return env;
}

export async function startHaproxy(proxies: readonly ProxyPorts[]): Promise<HaproxyInstance> {
  if (proxies.length !== HAPROXY_CONFIG_SERVERS) throw new Error(`conf/haproxy.cfg lists ${String(HAPROXY_CONFIG_SERVERS)} proxies`);
  const ports = { ws: await freePort(), http: await freePort(), stats: await freePort() };
  const dir = makeTempDir('haproxy');
  const logPath = join(dir, 'haproxy.log');
  const fd = openSync(logPath, 'a');
  // -db: foreground, no daemon; -W would fork a master: one process is simpler to kill by pid.
  const child = spawn('haproxy', ['-db', '-f', HAPROXY_CONFIG], {
    cwd: dir, stdio: ['ignore', fd, fd], env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin', ...configEnv(proxies, ports) },
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error('haproxy: spawn failed');
  recordChild(dir, pid, 'haproxy');
  child.on('error', () => undefined);
  const unregisterDir = onCleanup(`rm ${dir}`, () => { rmSync(dir, { recursive: true, force: true }); });
  trackChild(child, `haproxy pid ${String(pid)}`);
  const stop = stopperFor(child, dir, unregisterDir);
  const logTail = (lines = 40): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n') : '');

  const statsUrl = `http://127.0.0.1:${String(ports.stats)}/stats;csv`;
  const servers = async (): Promise<ServerState[]> => {
    const text = await (await fetch(statsUrl)).text();
    const [header = '', ...rows] = text.trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const at = (name: string): number => columns.indexOf(name);
    return rows.map((row) => row.split(',')).filter((f) => f[at('pxname')]?.startsWith('janus_proxies_') && !['BACKEND', 'FRONTEND'].includes(f[at('svname')] ?? ''))
      .map((f) => ({ backend: f[at('pxname')] ?? '', server: f[at('svname')] ?? '', status: f[at('status')] ?? '', sessionsTotal: Number(f[at('stot')]) }));
  };
  const waitForStatus = async (server: string, status: 'UP' | 'DOWN', timeoutMs = 15_000): Promise<void> => {
    await pollUntil(`haproxy to see ${server} ${status}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`haproxy exited:\n${logTail()}`);
      const rows = (await servers().catch(() => [])).filter((s) => s.server === server);
      // "UP 1/2" or "DOWN 1/2" are transitions still in progress.
      return rows.length === 2 && rows.every((s) => s.status === status) ? true : undefined;
    }, timeoutMs, 100);
  };
  try {
    for (let i = 1; i <= proxies.length; i++) await waitForStatus(`proxy${String(i)}`, 'UP');
  } catch (err) {
    const tail = logTail();
    await stop();
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return {
    wsUrl: `ws://127.0.0.1:${String(ports.ws)}`, httpUrl: `http://127.0.0.1:${String(ports.http)}/janus`, pid,
    servers, waitForStatus, logTail, stop,
  };
}
