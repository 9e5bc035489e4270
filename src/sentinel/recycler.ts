/**
 * Recycles a supervised Janus that runs short of file descriptors (Janus 1.1.2 leaks sockets of
 * VideoRoom copies until it restarts): on each load sample it asks decideRecycle, and when told to,
 * drains Janus (the operator's drain: `draining`, no new sessions, wait for the last handle up to
 * drain.timeout_ms, stop) and then starts it again. In watch mode it only warns. One recycle at a
 * time; an operator's drain, undrain, restart or a shutdown during one takes precedence (see run()).
 */
import type { Logger } from 'pino';
import type { DrainResult } from './drain.js';
import { decideRecycle, type RecycleDecision } from './recycle-decision.js';

export type RecycleState = 'idle' | 'draining' | 'restarting';

export interface RecycleRecord {
  at: number;
  open_fds: number;
  max_fds: number | null;
  /** How the drain ended (see DrainResult). */
  drain_reason: DrainResult['reason'];
  /** False when an operator's drain, an undrain/restart, or a shutdown took over. */
  restarted: boolean;
}

export interface RecyclerDeps {
  thresholdPercent: number;
  minIntervalMs: number;
  supervised: boolean;
  drainTimeoutMs: number;
  /** Janus runs and answers, no drain is under way, the sentinel is not stopping. */
  ready(): boolean;
  drain(timeoutMs: number): Promise<DrainResult>;
  /** Restart the (drained, stopped) Janus through the supervisor, leaving the drain. */
  restart(): Promise<void>;
  /** The sentinel is shutting down: leave Janus stopped. */
  stopping(): boolean;
  logger: Logger;
}

export class Recycler {
  private currentState: RecycleState = 'idle';
  private lastStartedAtMs: number | undefined;
  private lastRecord: RecycleRecord | undefined;
  private recycles = 0;
  private overThreshold = false;
  private lastWarning: string | undefined;
  /** The recycle under way; an operator's drain during it marks it, so it ends drained, not restarted. */
  private current: { operatorDrained: boolean } | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: RecyclerDeps) {}

  get state(): RecycleState {
    return this.currentState;
  }

  /** As GET /info shows it. */
  info(): { fd_percent: number; state: RecycleState; over_threshold: boolean; count: number; last: RecycleRecord | null } {
    return { fd_percent: this.deps.thresholdPercent, state: this.currentState, over_threshold: this.overThreshold, count: this.recycles, last: this.lastRecord ?? null };
  }

  /** The operator drains: a recycle under way no longer restarts Janus once drained. */
  operatorDrain(): void {
    if (this.current) this.current.operatorDrained = true;
  }

  /** Resolves when the recycle under way (if any) has finished. */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Called with each load sample. */
  check(figures: { open_fds?: number | undefined; max_fds?: number | undefined }, nowMs = Date.now()): RecycleDecision {
    const decision = decideRecycle({
      openFds: figures.open_fds, maxFds: figures.max_fds, thresholdPercent: this.deps.thresholdPercent,
      supervised: this.deps.supervised, recycling: this.currentState !== 'idle', ready: this.deps.ready(),
      lastRecycleAtMs: this.lastStartedAtMs, minIntervalMs: this.deps.minIntervalMs, nowMs,
    });
    if (this.currentState === 'idle') this.overThreshold = decision.action !== 'none';
    const numbers = { openFds: figures.open_fds, maxFds: figures.max_fds, thresholdPercent: this.deps.thresholdPercent };
    if (decision.action === 'warn') {
      // Once per reason while it lasts: a watched Janus above the threshold would otherwise warn every sample.
      if (this.lastWarning !== decision.why) {
        this.deps.logger.warn({ ...numbers, percent: decision.percent, why: decision.why }, 'Janus is running short of file descriptors and is not recycled now');
      }
      this.lastWarning = decision.why;
    } else if (decision.action === 'none' && this.currentState === 'idle') {
      this.lastWarning = undefined;
    }
    if (decision.action === 'recycle' && figures.open_fds !== undefined) {
      this.deps.logger.warn({ ...numbers, percent: decision.percent }, 'Janus is running short of file descriptors: recycling it (drain, then restart)');
      this.running = this.run(figures.open_fds, figures.max_fds, nowMs).finally(() => { this.running = undefined; });
    }
    return decision;
  }

  private async run(openFds: number, maxFds: number | undefined, nowMs: number): Promise<void> {
    this.currentState = 'draining';
    this.lastStartedAtMs = nowMs;
    const current = { operatorDrained: false };
    this.current = current;
    this.recycles++;
    let restarted = false;
    let reason: DrainResult['reason'] = 'cancelled';
    try {
      const result = await this.deps.drain(this.deps.drainTimeoutMs);
      reason = result.reason;
      // `cancelled`: an operator undrained or restarted Janus meanwhile; a shutdown or an operator's
      // own drain wants Janus to stay stopped. Only a drain that ran its course is ours to end.
      if (reason !== 'cancelled' && result.stoppedJanus && !current.operatorDrained && !this.deps.stopping()) {
        this.currentState = 'restarting';
        await this.deps.restart();
        restarted = true;
      }
    } catch (err) {
      this.deps.logger.error({ err }, 'recycling Janus failed');
    } finally {
      this.lastRecord = { at: nowMs, open_fds: openFds, max_fds: maxFds ?? null, drain_reason: reason, restarted };
      this.currentState = 'idle';
      this.current = undefined;
      this.overThreshold = false;
      this.lastWarning = undefined;
      this.deps.logger.info(this.lastRecord, restarted ? 'Janus recycled' : 'recycle ended without a restart');
    }
  }
}
