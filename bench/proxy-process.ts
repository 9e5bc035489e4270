/**
 * The proxy under test as a separate child process (so its CPU time and RSS can be read from /proc):
 * compiled to a private directory with tsc (falling back to the TypeScript sources under tsx when
 * the build emits nothing), started with the documented CLI flags, and stopped by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, terminateChild, trackChild } from '../test/support/processes.js';
import { BenchClient } from './client.js';
import { PROXY_NODE_FLAGS } from '../src/cli/runtime-flags.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_DIR = join(ROOT, '.tmp', 'bench-dist');
const ECHOTEST = 'janus.plugin.echotest';

export type ProxyBuild = { entry: string; mode: 'compiled' | 'tsx'; note?: string };

/** A benchmarked child process serving the Janus API on `url`. */
export type NodeService = {
  pid: number;
  url: string;
  stop(): Promise<void>;
  outputTail(): string;
};

export type ProxyProcess = NodeService & {
  mode: ProxyBuild['mode'];
  /** Forces a full V8 garbage collection in the proxy (SIGUSR2, see WRAPPER) and lets it settle. */
  gc(settleMs?: number): Promise<void>;
};

/**
 * Runs the CLI unchanged; the only addition is a SIGUSR2 handler that calls gc() (--expose-gc),
 * so memory can be read without young-generation garbage in it.
 */
const WRAPPER = [
  "process.on('SIGUSR2', () => { if (typeof globalThis.gc === 'function') globalThis.gc(); });",
  'await import(process.env.BENCH_PROXY_ENTRY);',
].join('\n');

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child, `${cmd} pid ${String(child.pid)}`);
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

/** Compiles src/ with tsconfig.build.json into .tmp/bench-dist (dist/ is left alone). */
export async function buildProxy(): Promise<ProxyBuild> {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const { code, output } = await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--sourceMap', 'false'], 180_000);
  const entry = join(BUILD_DIR, 'cli', 'janus-proxy.js');
  if (existsSync(entry)) {
    return code === 0 ? { entry, mode: 'compiled' } : { entry, mode: 'compiled', note: `tsc reported errors (emitted anyway):\n${output.trim().split('\n').slice(0, 5).join('\n')}` };
  }
  return {
    entry: join(ROOT, 'src', 'cli', 'janus-proxy.ts'),
    mode: 'tsx',
    note: `tsc emitted nothing (exit ${String(code)}), running the sources under tsx:\n${output.trim().split('\n').slice(0, 5).join('\n')}`,
  };
}

async function waitReady(label: string, url: string, child: ChildProcess, outputTail: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${label} exited (${String(child.exitCode ?? child.signalCode)}) before it was ready:\n${outputTail()}`);
    }
    try {
      const client = await BenchClient.connect(url, 1000);
      try {
        const info = (await client.call({ janus: 'info' }, 1000)) as { plugins?: Record<string, unknown> };
        if (info.plugins && ECHOTEST in info.plugins) return;
        lastError = 'backend not connected yet';
      } finally {
        await client.close();
      }
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(100);
  }
  throw new Error(`${label} not ready after ${timeoutMs} ms (${lastError}):\n${outputTail()}`);
}

export type StartProxyOptions = {
  build: ProxyBuild;
  backendUrl: string;
  /** Write a V8 CPU profile of the proxy into this directory when it exits. */
  cpuProfileDir?: string | undefined;
  /** More YAML for the proxy's config file (e.g. a Redis store), and a name for the file. */
  extraConfig?: { name: string; yaml: string } | undefined;
  /** The proxy's runtime flags, instead of the ones it ships with (PROXY_NODE_FLAGS): A/B experiments. */
  runtimeFlags?: readonly string[] | undefined;
  /** More node flags for the proxy process (profiling experiments, e.g. --trace-gc). */
  nodeFlags?: readonly string[] | undefined;
  /** `--log-level` on the command line (default `warn`); `null` leaves it to the config file (`log.level`). */
  logLevel?: string | null | undefined;
  /** More environment variables for the proxy process (experiments, e.g. WS_NO_BUFFER_UTIL=1). */
  env?: Record<string, string> | undefined;
};

/**
 * The proxy runs with its default settings (compact JSON, like the Janus configs it is compared
 * with); `extraConfig` adds to them.
 */
const BENCH_PROXY_CONFIG = '{}\n';

/** Writes the proxy's config file; returns the CLI flags that serve the Janus API on `port`. */
function proxyCliArgs(opts: StartProxyOptions, port: number): string[] {
  mkdirSync(BUILD_DIR, { recursive: true });
  const configFile = join(BUILD_DIR, `bench-proxy${opts.extraConfig ? `-${opts.extraConfig.name}` : ''}.yaml`);
  writeFileSync(configFile, opts.extraConfig?.yaml ?? BENCH_PROXY_CONFIG);
  return [
    '--config', configFile,
    '--ws-host', '127.0.0.1', '--ws-port', String(port), '--http-host', '127.0.0.1', '--http-port', '0', '--admin-port', '0', '--backend', opts.backendUrl,
    ...(opts.logLevel === null ? [] : ['--log-level', opts.logLevel ?? 'warn']),
  ];
}

export async function startProxyProcess(opts: StartProxyOptions): Promise<ProxyProcess> {
  const port = await freePort();
  const nodeArgs = [
    '--expose-gc',
    ...(opts.runtimeFlags ?? PROXY_NODE_FLAGS),
    ...(opts.build.mode === 'tsx' ? ['--import', 'tsx'] : []),
    ...(opts.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfileDir] : []),
    ...(opts.nodeFlags ?? []),
    '--input-type=module', '-e', WRAPPER, '--',
    ...proxyCliArgs(opts, port),
  ];
  const proxy = await startNodeService('janus-proxy', nodeArgs, { ...opts.env, BENCH_PROXY_ENTRY: pathToFileURL(opts.build.entry).href }, port);
  return {
    ...proxy,
    mode: opts.build.mode,
    async gc(settleMs = 500) {
      process.kill(proxy.pid, 'SIGUSR2');
      await sleep(settleMs);
    },
  };
}

/**
 * `janus-proxy --workers N` (the config must hold a Redis store). The entry runs as the script itself,
 * without the gc wrapper: node:cluster forks `process.argv[1]`, which an `-e` wrapper does not have.
 * `pid` is the primary's; its CPU time includes the workers' only when read over the process tree.
 * Ready once every worker has served an echotest attach: node:cluster deals connections only to
 * workers already listening, so answers alone cannot tell one worker from N; `ownerOf` (the session
 * record's owner in Redis) tells them apart.
 */
export async function startProxyWorkers(
  opts: StartProxyOptions & { workers: number; ownerOf: (sessionId: number) => Promise<string | undefined> },
): Promise<NodeService> {
  const port = await freePort();
  const nodeArgs = [
    ...(opts.runtimeFlags ?? PROXY_NODE_FLAGS),
    ...(opts.build.mode === 'tsx' ? ['--import', 'tsx'] : []),
    ...(opts.nodeFlags ?? []),
    opts.build.entry, '--workers', String(opts.workers),
    ...proxyCliArgs(opts, port),
  ];
  const service = await startNodeService(`janus-proxy --workers ${opts.workers}`, nodeArgs, opts.env ?? {}, port);
  try {
    await everyWorkerServing(service, opts.workers, opts.ownerOf);
  } catch (err) {
    await service.stop();
    throw err;
  }
  return service;
}

async function everyWorkerServing(service: NodeService, workers: number, ownerOf: (sessionId: number) => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + 20_000;
  const owners = new Set<string>();
  while (owners.size < workers) {
    if (Date.now() > deadline) throw new Error(`janus-proxy --workers ${workers}: ${owners.size} worker(s) served an attach after 20 s:\n${service.outputTail()}`);
    const client = await BenchClient.connect(service.url, 1000);
    try {
      const created = (await client.call({ janus: 'create' }, 2000)) as { data?: { id?: number } };
      const sessionId = created.data?.id;
      if (sessionId === undefined) continue;
      const attached = (await client.call({ janus: 'attach', session_id: sessionId, plugin: ECHOTEST }, 2000)) as { janus?: string };
      // The record is written after the reply: asked until it is there.
      for (let i = 0; i < 20 && attached.janus === 'success'; i++) {
        const owner = await ownerOf(sessionId);
        if (owner !== undefined) {
          owners.add(owner);
          break;
        }
        await sleep(25);
      }
      await client.call({ janus: 'destroy', session_id: sessionId }, 2000);
    } catch {
      await sleep(100); // a worker still starting: asked again on a new connection
    } finally {
      await client.close();
    }
  }
}

/**
 * The bare relay of bench/reference-relay.ts in front of `backendUrl`, as a child process. It runs
 * with the proxy's runtime flags unless told otherwise: the floor is measured on the same runtime.
 */
export async function startReferenceRelay(backendUrl: string, cpuProfileDir?: string, runtimeFlags: readonly string[] = PROXY_NODE_FLAGS): Promise<NodeService> {
  const port = await freePort();
  const profile = cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : [];
  return startNodeService('reference relay', ['--expose-gc', ...runtimeFlags, ...profile, '--import', 'tsx', join(ROOT, 'bench', 'reference-relay.ts'), backendUrl, String(port)], {}, port);
}

async function startNodeService(label: string, nodeArgs: string[], env: Record<string, string>, port: number): Promise<NodeService> {
  const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${label}: spawn failed`);
  trackChild(child, `${label} pid ${pid}`);
  child.on('error', () => undefined);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const outputTail = (): string => output.trim().split('\n').slice(-20).join('\n');

  const url = `ws://127.0.0.1:${port}`;
  const service: NodeService = {
    pid,
    url,
    stop: () => terminateChild(child, 5000),
    outputTail,
  };
  try {
    await waitReady(label, url, child, outputTail, 15_000);
  } catch (err) {
    await service.stop();
    throw err;
  }
  return service;
}

/** Node flags from a space-separated environment variable for A/B runs: unset or empty → undefined (for runtime flags: the shipped ones), `none` → no flags. */
export function runtimeFlagsFrom(value: string | undefined): readonly string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return value === 'none' ? [] : value.split(' ').filter(Boolean);
}

/**
 * A side's server: one process for every round, or a way to start a fresh one for each round (then
 * stopped after it). Two processes of one build can differ by several µs per message for as long as
 * they run on this VM (README, Benchmarks): a process per round spreads that luck over the rounds
 * instead of handing one process's to the whole figure.
 */
export type SideService = NodeService | (() => Promise<NodeService>);

/** Runs `body` with the side's server, started for it (and stopped after) when the side starts one per round. */
export async function withService<T>(side: SideService, body: (service: NodeService) => Promise<T>): Promise<T> {
  if (typeof side !== 'function') return body(side);
  const service = await side();
  try {
    return await body(service);
  } finally {
    await service.stop();
  }
}
