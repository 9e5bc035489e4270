/**
 * Clean-up of sessions nobody claimed (decision 12): when a proxy's lease has been gone longer than
 * the reclaim window, the first surviving proxy to notice takes each of its session records by
 * compare-and-set, destroys what is left of it on the backends (claim, then destroy: Janus may still
 * keep it within its own reclaim window) and deletes the record. Janus then ends the session's
 * handles itself (VideoRoom participants leave, VideoCall users are unregistered).
 */
import type { Logger } from 'pino';
import type { SessionRecord, SessionStore } from '../store/session-store.js';
import type { Cluster } from '../cluster/cluster.js';

const SWEEP_INTERVAL_MS = 2_000;
/** Sessions of one dead proxy swept at once. */
const SWEEP_CONCURRENCY = 32;

export interface OwnerSweepOptions {
  logger: Logger;
  now?: () => number;
  /**
   * Ends a session whose record this sweep has taken (owner is now this proxy): its handles' plugins
   * clear up and its backend sessions are destroyed. Without it, only the backend sessions are destroyed.
   */
  finish?: (record: SessionRecord) => Promise<void>;
}

export class OwnerSweep {
  /**
   * Each dead proxy: when it was first seen dead, and when the next of its sessions leaves its
   * reclaim window (its records are not read again before then: a dead proxy's records only leave,
   * and their windows are fixed).
   */
  private readonly dead = new Map<string, { since: number; nextDue: number | undefined }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly records: SessionStore,
    private readonly cluster: Cluster,
    private readonly options: OwnerSweepOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => { void this.sweep(); }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; passes never overlap. */
  sweep(): Promise<void> {
    this.running ??= this.pass()
      .catch((err: unknown) => { this.options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'session sweep failed'); })
      .finally(() => { this.running = undefined; });
    return this.running;
  }

  private async pass(): Promise<void> {
    const owners = await this.records.owners();
    for (const owner of [...this.dead.keys()]) if (!owners.includes(owner)) this.dead.delete(owner);
    for (const owner of owners) {
      if (await this.records.isAlive(owner)) {
        this.dead.delete(owner);
        continue;
      }
      let dead = this.dead.get(owner);
      if (!dead) this.dead.set(owner, (dead = { since: this.now(), nextDue: undefined }));
      if (dead.nextDue !== undefined && this.now() < dead.nextDue) continue;
      dead.nextDue = await this.sweepOwner(owner, dead.since);
    }
  }

  /**
   * Sweeps the sessions of a proxy dead since `since` whose reclaim window has passed; returns when
   * the next of the others leaves its window (undefined: none left).
   */
  private async sweepOwner(owner: string, since: number): Promise<number | undefined> {
    const deadForMs = this.now() - since;
    const ids = await this.records.sessionsOf(owner);
    let swept = 0;
    let nextDue = Number.POSITIVE_INFINITY;
    // Up to SWEEP_CONCURRENCY sessions at a time: each costs a few store and Janus round trips, and a
    // dead proxy may leave thousands.
    let next = 0;
    const sweepNext = async (): Promise<void> => {
      for (let id = ids[next++]; id !== undefined; id = ids[next++]) {
        const current = await this.records.get(id);
        if (!current || current.owner !== owner) continue;
        if (deadForMs < current.reclaim_s * 1000) {
          nextDue = Math.min(nextDue, since + current.reclaim_s * 1000);
          continue;
        }
        const record = await this.records.takeOver(id, owner);
        if (!record) continue; // another proxy took it (a claim, or its own sweep)
        await this.finish(record);
        this.records.remove(id);
        swept++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, ids.length) }, sweepNext));
    if (swept > 0) this.options.logger.info({ proxy: owner, sessions: swept }, 'swept the unclaimed sessions of a dead proxy');
    await this.records.flush();
    await this.records.forgetOwner(owner);
    return Number.isFinite(nextDue) ? nextDue : undefined;
  }

  private async finish(record: SessionRecord): Promise<void> {
    if (!this.options.finish) {
      await this.destroyOnBackends(record);
      return;
    }
    try {
      await this.options.finish(record);
    } catch (err) {
      this.options.logger.warn({ session: record.id, err: err instanceof Error ? err.message : String(err) }, 'could not end an abandoned session through its plugins');
      await this.destroyOnBackends(record);
    }
  }

  private async destroyOnBackends(record: SessionRecord): Promise<void> {
    const backendSessions = new Map<number, string>();
    for (const h of record.handles) if (h.backend !== undefined && h.backend_session !== undefined) backendSessions.set(h.backend_session, h.backend);
    await Promise.all([...backendSessions].map(async ([sessionId, name]) => {
      const conn = this.cluster.backends.get(name)?.pool.pick();
      if (!conn) return;
      try {
        await conn.request({ janus: 'claim', session_id: sessionId });
        await conn.request({ janus: 'destroy', session_id: sessionId });
      } catch {
        // Already gone on Janus (its own reclaim window ran out): nothing left to destroy.
      }
    }));
  }
}
