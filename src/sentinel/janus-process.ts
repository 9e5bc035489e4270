/**
 * The Janus process as the sentinel sees it, whichever way it is run: `supervised` (the sentinel
 * starts and restarts it), `watched` (someone else runs it; a pid file names it) or `unsupervised`
 * (no process information; liveness alone tells).
 */
import type { Logger } from 'pino';
import type { SentinelConfig } from '../config/sentinel-schema.js';
import { PidWatcher } from './pid-watch.js';
import { Signal } from '../signal.js';
import type { ProcessState } from './status.js';
import { Supervisor, type ProcessInfo } from './supervisor.js';

export type ProcessMode = 'supervised' | 'watched' | 'unsupervised';

export interface ProcessView {
  mode: ProcessMode;
  state: ProcessState;
  pid: number | undefined;
  startedAtMs: number | undefined;
  /** Supervised only: restarts, last exit, next start. */
  supervisor: ProcessInfo | undefined;
}

export class NotSupervisedError extends Error {
  override name = 'NotSupervisedError';
}

export class JanusProcess {
  readonly changed: Signal<ProcessView>;
  /** Each new pid of a supervised Janus. */
  readonly spawned: Signal<number>;
  readonly mode: ProcessMode;
  private readonly supervisor: Supervisor | undefined;
  private readonly watcher: PidWatcher | undefined;

  constructor(config: SentinelConfig['process'], pollIntervalMs: number, logger: Logger) {
    const report = (err: unknown): void => { logger.error({ err }, 'process listener failed'); };
    this.changed = new Signal(report);
    if (config.command) {
      this.supervisor = new Supervisor({
        argv: config.command,
        stopWithSentinel: config.stop_with_sentinel,
        logFile: config.log_file,
        backoff: { initialDelayMs: config.restart_initial_delay_ms, maxDelayMs: config.restart_max_delay_ms, stableUptimeMs: config.stable_uptime_ms },
        stopTimeoutMs: config.stop_timeout_ms,
        logger,
      });
      this.supervisor.changed.on(() => { this.changed.emit(this.view()); });
    } else if (config.pid_file) {
      this.watcher = new PidWatcher(config.pid_file, pollIntervalMs, logger);
      this.watcher.changed.on(() => { this.changed.emit(this.view()); });
    }
    this.spawned = this.supervisor?.spawned ?? new Signal(report);
    this.mode = this.supervisor ? 'supervised' : this.watcher ? 'watched' : 'unsupervised';
  }

  view(): ProcessView {
    const info = this.supervisor?.info ?? this.watcher?.info;
    return {
      mode: this.mode,
      state: info?.state ?? 'unsupervised',
      pid: info?.pid,
      startedAtMs: info?.startedAtMs,
      supervisor: this.supervisor ? { ...this.supervisor.info } : undefined,
    };
  }

  start(): void {
    this.supervisor?.start();
    this.watcher?.start();
  }

  /** Graceful stop of a supervised Janus; undefined when the process is not ours to stop. */
  get stopJanus(): (() => Promise<void>) | undefined {
    const supervisor = this.supervisor;
    return supervisor ? () => supervisor.stop() : undefined;
  }

  async restart(): Promise<void> {
    if (!this.supervisor) throw new NotSupervisedError('Janus is not run by this sentinel');
    await this.supervisor.restart();
  }

  /** Stops a supervised Janus (and the pid watcher); resolves once it has exited. */
  async close(): Promise<void> {
    this.watcher?.stop();
    await this.supervisor?.stop();
  }
}
