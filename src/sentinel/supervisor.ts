/**
 * Runs Janus as a child process: starts it from the configured argv (no shell), restarts it after
 * any exit it was not asked for, with exponential backoff that resets after a stable run, and stops
 * it gracefully (SIGTERM, then SIGKILL after a timeout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { Backoff, type BackoffOptions } from './backoff.js';
import { withParentDeathSignal } from './parent-death.js';
import { captureOutput } from './process-output.js';
import { Signal } from '../signal.js';
import type { ProcessState } from './status.js';

export interface SupervisorOptions {
  argv: readonly string[];
  /** Run Janus so that it gets SIGTERM if the sentinel dies (see parent-death.ts). */
  stopWithSentinel: boolean;
  logFile: string | undefined;
  backoff: BackoffOptions;
  stopTimeoutMs: number;
  logger: Logger;
}

export interface ProcessInfo {
  state: ProcessState;
  pid: number | undefined;
  /** Epoch ms the current process was started. */
  startedAtMs: number | undefined;
  restarts: number;
  lastExit: { code: number | null; signal: string | null; atMs: number } | undefined;
  /** When the next start is due while in backoff. */
  nextStartAtMs: number | undefined;
}

export class Supervisor {
  readonly changed: Signal<ProcessInfo>;
  /** Every new Janus pid, as soon as it exists. */
  readonly spawned: Signal<number>;
  private readonly backoff: Backoff;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private restartTimer: NodeJS.Timeout | undefined;
  private wanted = false;
  private current: ProcessInfo = { state: 'stopped', pid: undefined, startedAtMs: undefined, restarts: 0, lastExit: undefined, nextStartAtMs: undefined };

  constructor(private readonly options: SupervisorOptions) {
    this.backoff = new Backoff(options.backoff);
    const report = (err: unknown): void => { options.logger.error({ err }, 'supervisor listener failed'); };
    this.changed = new Signal(report);
    this.spawned = new Signal(report);
  }

  get info(): Readonly<ProcessInfo> {
    return this.current;
  }

  /** Starts Janus (if not running) and keeps it running until stop(). */
  start(): void {
    this.wanted = true;
    if (this.child || this.restartTimer) return;
    this.launch();
  }

  /** SIGTERM, SIGKILL after the stop timeout; resolves once Janus has exited. Safe to call twice. */
  async stop(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child) {
      if (this.current.state === 'backoff') this.update({ state: 'stopped', nextStartAtMs: undefined });
      return;
    }
    if (this.current.state !== 'stopping') {
      this.update({ state: 'stopping' });
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => {
        this.options.logger.warn({ pid: child.pid, stopTimeoutMs: this.options.stopTimeoutMs }, 'Janus ignored SIGTERM, sending SIGKILL');
        child.kill('SIGKILL');
      }, this.options.stopTimeoutMs);
      void this.exited.finally(() => { clearTimeout(killTimer); });
    }
    await this.exited;
  }

  /** A deliberate restart: graceful stop, then a fresh start with the backoff reset. */
  async restart(): Promise<void> {
    await this.stop();
    this.backoff.reset();
    this.start();
  }

  private launch(restarts = this.current.restarts): void {
    const argv = this.options.stopWithSentinel ? withParentDeathSignal(this.options.argv) : this.options.argv;
    const [command, ...args] = argv;
    if (command === undefined) throw new Error('empty Janus command line');
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const closeOutput = captureOutput(child, this.options.logFile, this.options.logger);
    // 'close' comes after the last output line has been read ('exit' may come before it).
    child.once('close', closeOutput);
    this.exited = new Promise((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: string | null): void => {
        if (done) return;
        done = true;
        this.onExit(child, code, signal);
        resolve();
      };
      child.once('exit', finish);
      // A command that cannot be spawned (ENOENT, EACCES) emits 'error' and never 'exit'.
      child.once('error', (err) => {
        this.options.logger.error({ err, command }, 'cannot start Janus');
        if (child.pid === undefined) finish(null, null);
      });
    });
    const startedAtMs = Date.now();
    this.update({ state: 'running', pid: child.pid, startedAtMs, restarts, nextStartAtMs: undefined });
    if (child.pid !== undefined) {
      this.options.logger.info({ pid: child.pid, argv: this.options.argv }, 'Janus started');
      this.spawned.emit(child.pid);
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: string | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    const atMs = Date.now();
    const uptimeMs = atMs - (this.current.startedAtMs ?? atMs);
    const lastExit = { code, signal, atMs };
    if (!this.wanted) {
      this.options.logger.info({ code, signal }, 'Janus stopped');
      this.update({ state: 'stopped', pid: undefined, startedAtMs: undefined, lastExit });
      return;
    }
    const delayMs = this.backoff.nextDelayMs(uptimeMs);
    this.options.logger.warn({ code, signal, uptimeMs, restartInMs: delayMs }, 'Janus exited unexpectedly');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.wanted) this.launch(this.current.restarts + 1);
    }, delayMs);
    this.update({ state: 'backoff', pid: undefined, startedAtMs: undefined, lastExit, nextStartAtMs: atMs + delayMs });
  }

  private update(change: Partial<ProcessInfo>): void {
    this.current = { ...this.current, ...change };
    this.changed.emit(this.current);
  }
}
