// Registry of what this test process created (child pids, veths, namespaces), so that it is
// torn down even when a test throws, the runner times out, or someone presses Ctrl-C.
// Cleanups are synchronous because the 'exit' handler cannot await.
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';

type Cleanup = { label: string; run: () => void };

const cleanups = new Set<Cleanup>();
let handlersInstalled = false;

/** Register a synchronous cleanup; returns a function that unregisters it (call it after a normal teardown). */
export function onCleanup(label: string, run: () => void): () => void {
  installHandlers();
  const entry: Cleanup = { label, run };
  cleanups.add(entry);
  return () => cleanups.delete(entry);
}

/** Run every registered cleanup now, newest first (so Janus dies before its namespace goes). */
export function runCleanupsSync(): void {
  for (const entry of [...cleanups].reverse()) {
    cleanups.delete(entry);
    try {
      entry.run();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', runCleanupsSync);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      runCleanupsSync();
      process.exit(code);
    });
  }
}

/**
 * Whether the process runs. A zombie counts as gone: it holds no ports or files, and an orphan
 * whose new parent (pid 1 of a CI container is not always a reaping init) never reaps it stays one.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // Format: "pid (comm) state ..."; comm may hold spaces and parentheses, so split at the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** The process's live children (every thread's), from /proc/PID/task/TID/children; a thread gone meanwhile has none. */
export function childPids(pid: number): number[] {
  return readdirSync(`/proc/${String(pid)}/task`).flatMap((task) => {
    try {
      return readFileSync(`/proc/${String(pid)}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return []; // the thread exited between the listing and the read
    }
  });
}

/** Contents of /proc/PID/comm (the executable name), or undefined if the pid is gone. */
export function procComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Process start time in clock ticks (field 22 of /proc/PID/stat); with the pid it identifies a process. */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces, so split after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function killPidSync(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** `ip ...` run synchronously, errors ignored: for cleanup paths only. */
export function ipSync(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: 'ignore' });
  } catch {
    // The object may already be gone.
  }
}

/** Dead or a zombie: /proc/PID/stat is gone or its state field is Z. */
export function isGoneOrZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/**
 * Synchronous wait (for exit handlers) until the pid has died, at most timeoutMs. Without it a
 * SIGKILLed Janus can still write its log while we delete its directory.
 */
export function waitPidGoneSync(pid: number, timeoutMs = 1000): boolean {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + timeoutMs;
  while (!isGoneOrZombie(pid)) {
    if (Date.now() >= deadline) return false;
    Atomics.wait(sleeper, 0, 0, 5);
  }
  return true;
}

/** SIGKILL the child on process exit unless it has already exited. */
export function trackChild(child: ChildProcess, label: string): void {
  const pid = child.pid;
  if (pid === undefined) return;
  const unregister = onCleanup(label, () => {
    killPidSync(pid, 'SIGKILL');
    waitPidGoneSync(pid);
  });
  child.once('exit', unregister);
}

/** Resolves true once the child has exited, false when timeoutMs passes first. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the child is gone. */
/**
 * The stop of a child with a private dir: terminates the child, then removes the dir (and its
 * cleanup registration). Later calls share the first one.
 */
export function stopperFor(child: ChildProcess, dir: string, unregisterDir: () => void): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      await terminateChild(child, 5000);
      unregisterDir();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
}

export async function terminateChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, graceMs)) return;
  child.kill('SIGKILL');
  await waitForExit(child, 5000);
}

const handedOut = new Set<number>();

/**
 * A port that was free a moment ago (bind port 0, close). Never returns the same port twice in
 * this process, so parallel fixtures do not collide with each other; another process still could.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host, () => {
        const address = server.address();
        const p = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => {
          resolve(p);
        });
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Poll `check` every intervalMs until it returns a value other than undefined, or throw after timeoutMs. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const execFileAsync = promisify(execFile);

/** Runs one of the project's commands (`src/cli/<name>.ts`) to its end; a non-zero exit is returned, not thrown. */
export async function runCli(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', `src/cli/${name}.ts`, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
