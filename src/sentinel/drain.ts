/**
 * Draining: take this Janus out of the cluster without cutting anyone off. Report `draining` (no
 * new placements), tell Janus to refuse new sessions, wait until no session holds a handle — the
 * proxies keep a few idle spare sessions on every Janus, so sessions without handles do not count —
 * or until the time limit, then stop Janus if the sentinel supervises it (it then reports `down`).
 */
import type { Logger } from 'pino';
import type { AdminClient } from './admin-client.js';
import type { SessionCounter } from './session-counts.js';

export type DrainPhase = 'idle' | 'draining' | 'drained';

export interface DrainResult {
  /** Why the wait ended. `cancelled`: undrained while waiting. */
  reason: 'no_handles' | 'timeout' | 'janus_down' | 'cancelled' | 'cut_short';
  waitedMs: number;
  stoppedJanus: boolean;
}

export interface DrainDeps {
  admin: AdminClient | undefined;
  counter: SessionCounter | undefined;
  /** Sets the status's lifecycle to draining or back to serving (and so reports it). */
  setDraining(draining: boolean): void;
  janusAlive(): boolean;
  /** Stops the supervised Janus; undefined in watch mode (not ours to stop). */
  stopJanus: (() => Promise<void>) | undefined;
  pollIntervalMs: number;
  logger: Logger;
}

export class Drainer {
  private currentPhase: DrainPhase = 'idle';
  private running: Promise<DrainResult> | undefined;
  private generation = 0;
  private hurried = false;

  constructor(private readonly deps: DrainDeps) {}

  get phase(): DrainPhase {
    return this.currentPhase;
  }

  /** Starts a drain, or joins the one under way. */
  drain(timeoutMs: number): Promise<DrainResult> {
    this.running ??= this.run(timeoutMs, ++this.generation);
    return this.running;
  }

  /** Ends the wait of a drain under way (or about to start) now: the sentinel is leaving in a hurry (a second SIGTERM). */
  cutShort(): void {
    this.hurried = true;
  }

  /**
   * Ends a drain without touching Janus: a drain under way stops waiting and will not stop Janus.
   * Called before a deliberate restart, so the drain cannot mistake it for its own end.
   */
  cancel(): void {
    this.generation++;
    this.running = undefined;
    this.currentPhase = 'idle';
    this.deps.setDraining(false);
  }

  /** Back into service: cancel the drain and accept new sessions again. */
  async undrain(): Promise<void> {
    this.cancel();
    if (this.deps.janusAlive()) await this.setAccept(true);
  }

  private async run(timeoutMs: number, generation: number): Promise<DrainResult> {
    const startedAt = Date.now();
    this.currentPhase = 'draining';
    this.deps.setDraining(true);
    this.deps.logger.info({ timeoutMs }, 'draining Janus');
    await this.setAccept(false);
    const reason = await this.waitForHandles(startedAt + timeoutMs, generation);
    let stoppedJanus = false;
    if (generation === this.generation && this.deps.stopJanus) {
      await this.deps.stopJanus();
      stoppedJanus = true;
    }
    // Read after the stop: an undrain or restart while Janus was being stopped ends this drain too.
    const current = generation === this.generation;
    if (current) this.currentPhase = 'drained';
    const result: DrainResult = { reason: current ? reason : 'cancelled', waitedMs: Date.now() - startedAt, stoppedJanus };
    this.deps.logger.info(result, 'drain finished');
    return result;
  }

  private async waitForHandles(deadlineMs: number, generation: number): Promise<DrainResult['reason']> {
    for (;;) {
      if (generation !== this.generation) return 'cancelled';
      if (this.hurried) return 'cut_short';
      if (!this.deps.janusAlive()) return 'janus_down';
      if (await this.drained()) return 'no_handles';
      const leftMs = deadlineMs - Date.now();
      if (leftMs <= 0) return 'timeout';
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.deps.pollIntervalMs, leftMs)));
    }
  }

  /** Without the Admin API the handles cannot be seen, so the drain waits for the full time. */
  private async drained(): Promise<boolean> {
    if (!this.deps.counter) return false;
    try {
      return !(await this.deps.counter.anyHandles());
    } catch (err) {
      this.deps.logger.warn({ err }, 'cannot count handles while draining');
      return false;
    }
  }

  private async setAccept(accept: boolean): Promise<void> {
    if (!this.deps.admin) {
      this.deps.logger.warn('no Admin API configured: cannot change accept_new_sessions');
      return;
    }
    try {
      await this.deps.admin.setAcceptNewSessions(accept);
    } catch (err) {
      this.deps.logger.warn({ err, accept }, 'accept_new_sessions failed');
    }
  }
}
