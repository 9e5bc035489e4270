/**
 * Watch mode: a Janus the sentinel did not start (systemd, docker…), known by its pid file. The
 * file is re-read on every poll because the other supervisor may restart Janus under a new pid.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { processStartEpochMs } from './proc-stats.js';
import { Signal } from '../signal.js';
import type { ProcessState } from './status.js';

export interface WatchedProcess {
  state: Extract<ProcessState, 'running' | 'stopped'>;
  pid: number | undefined;
  startedAtMs: number | undefined;
}

export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export class PidWatcher {
  readonly changed: Signal<WatchedProcess>;
  private current: WatchedProcess = { state: 'stopped', pid: undefined, startedAtMs: undefined };
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pidFile: string, private readonly pollIntervalMs: number, private readonly logger: Logger) {
    this.changed = new Signal((err: unknown) => { logger.error({ err }, 'pid watcher listener failed'); });
  }

  get info(): Readonly<WatchedProcess> {
    return this.current;
  }

  start(): void {
    this.poll();
    if (this.current.pid === undefined) this.logger.warn({ pidFile: this.pidFile }, 'no running Janus found through the pid file');
    this.timer = setInterval(() => { this.poll(); }, this.pollIntervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private poll(): void {
    const pid = readPidFile(this.pidFile);
    // The start time tells a live process from a recycled pid, and is the reported start_time.
    const startedAtMs = pid === undefined ? undefined : processStartEpochMs(pid);
    const next: WatchedProcess = startedAtMs === undefined
      ? { state: 'stopped', pid: undefined, startedAtMs: undefined }
      : { state: 'running', pid, startedAtMs };
    if (next.pid === this.current.pid && next.startedAtMs === this.current.startedAtMs) return;
    this.logger.info({ pid: next.pid, pidFile: this.pidFile, state: next.state }, 'watched Janus process changed');
    this.current = next;
    this.changed.emit(next);
  }
}
