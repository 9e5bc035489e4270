/**
 * A backend Janus as this proxy sees it: its record (what sentinels and operators say), its
 * connection pool, the proxy's own health view (circuit breaker) and the load the proxy has put
 * on it since the last report (so a burst of placements is spread before the next report).
 */
import type { Logger } from 'pino';
import type { LazyLogger } from '../logging.js';
import type { BackendPool } from '../backend/pool.js';
import type { BackendSession, BackendSessionOwner } from '../backend/backend-session.js';
import { isExpired, type ServerRecord, type ServerStatus } from '../protocol/server-record.js';
import type { BackendSnapshot } from './selection.js';
import { CircuitBreaker, type BreakerOptions } from './breaker.js';
import { SpareSessions } from './spare-sessions.js';

export interface BackendDeps {
  createPool(name: string, url: string, onRequestOutcome: (ok: boolean) => void): BackendPool;
  spareSessions: number;
  /** Warn when this Janus would drop the sessions of a dead proxy at once (no take-over possible). */
  expectTakeOver: boolean;
  breaker: BreakerOptions;
  logger: Logger;
  now: () => number;
}

export class Backend {
  /** Live handles placed by this proxy; counted from the moment a placement is reserved. */
  liveHandles = 0;
  /** Placements since the last load report, added to the reported figures until the next one. */
  private placedSinceReport = 0;
  private openedSessionsSinceReport = 0;
  readonly breaker: CircuitBreaker;
  private spares: SpareSessions;
  pool: BackendPool;
  private plugins: { source: object; set: ReadonlySet<string> } | undefined;

  constructor(
    public record: ServerRecord,
    private readonly deps: BackendDeps,
  ) {
    this.breaker = new CircuitBreaker(deps.breaker);
    this.pool = this.connect(record.url);
    this.spares = new SpareSessions(this.pool, this.deps.spareSessions, record.name, deps.logger);
  }

  get name(): string {
    return this.record.name;
  }

  get url(): string {
    return this.pool.url;
  }

  get connected(): boolean {
    return this.pool.isUp && this.pool.info !== undefined;
  }

  /** The status that selection sees: an operator's drain overrides what the sentinel says. */
  get status(): ServerStatus {
    return this.record.drained ? 'draining' : this.record.status;
  }

  /** Applies a newer record; a new URL means a new pool (sessions on the old one fail over). */
  update(record: ServerRecord): void {
    const previous = this.record;
    this.record = record;
    if (record.handles !== undefined && record.updated_at !== previous.updated_at) this.placedSinceReport = 0;
    if (record.sessions !== undefined && record.updated_at !== previous.updated_at) this.openedSessionsSinceReport = 0;
    if (record.url !== previous.url) {
      this.deps.logger.info({ backend: record.name, url: record.url }, 'backend URL changed, reconnecting');
      this.spares.clear();
      this.pool.stop();
      this.pool = this.connect(record.url);
      this.spares = new SpareSessions(this.pool, this.deps.spareSessions, record.name, this.deps.logger);
    }
    // Spare sessions would keep a draining Janus from ever emptying; only an `up` one gets them.
    if (this.status === 'up') this.spares.refill();
    else this.spares.clear();
  }

  /**
   * A client session is done with its backend session: an empty one becomes a spare again (saving
   * Janus a destroy now and a create later), anything else is destroyed.
   */
  releaseSession(session: BackendSession): void {
    if (this.status === 'up' && this.spares.recycle(session)) return;
    session.destroy();
  }

  /** A backend session for a client session: a spare if one is ready, else a new one. */
  openSession(owner: BackendSessionOwner, ownerLogger: LazyLogger): BackendSession {
    this.openedSessionsSinceReport++;
    return this.spares.take(owner, ownerLogger);
  }

  snapshot(): BackendSnapshot {
    const r = this.record;
    const now = this.deps.now();
    return {
      name: r.name,
      connected: this.connected,
      status: this.status,
      expired: isExpired(r, now),
      breaker: this.breaker.state(now),
      plugins: this.pluginSet(),
      sessions: (r.sessions ?? 0) + this.openedSessionsSinceReport,
      handles: r.handles === undefined ? this.liveHandles : r.handles + this.placedSinceReport,
      cpuPercent: r.cpu_percent,
      bandwidthBps: r.bandwidth_in_bps === undefined && r.bandwidth_out_bps === undefined ? undefined : (r.bandwidth_in_bps ?? 0) + (r.bandwidth_out_bps ?? 0),
      maxSessions: r.max_sessions,
      maxHandles: r.max_handles,
      maxBandwidthBps: r.max_bandwidth_bps,
      location: r.location,
      isp: r.isp,
      region: r.region,
    };
  }

  /** Counts one handle against this backend until the returned release function is called. */
  reserve(): () => void {
    this.liveHandles++;
    this.placedSinceReport++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.liveHandles--;
    };
  }

  stop(): void {
    this.spares.clear();
    this.pool.stop();
  }

  /** The plugins the backend offers, as a Set rebuilt only when its source changes (every placement reads it). */
  private pluginSet(): ReadonlySet<string> {
    const source = this.pool.info?.plugins ?? this.record.plugins ?? [];
    if (this.plugins?.source !== source) {
      this.plugins = { source, set: new Set(Array.isArray(source) ? source : Object.keys(source)) };
    }
    return this.plugins.set;
  }

  private connect(url: string): BackendPool {
    const pool = this.deps.createPool(this.record.name, url, (ok) => {
      if (ok) this.breaker.recordSuccess();
      else this.breaker.recordFailure(this.deps.now());
    });
    pool.listener = {
      onAvailabilityChange: (up) => {
        if (up && this.status === 'up') this.spares.refill();
        if (up && this.deps.expectTakeOver && pool.info?.reclaimSessionTimeoutS === 0) {
          this.deps.logger.warn({ backend: this.name }, 'backend has reclaim_session_timeout 0: its sessions die with their proxy and cannot be taken over by another proxy (set reclaim_session_timeout in its janus.jcfg)');
        }
      },
    };
    pool.start();
    return pool;
  }
}
