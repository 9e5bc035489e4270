/**
 * All client sessions of this proxy: creation, lookup, ownership by Sinks, the inactivity watchdog
 * (Janus's `session_timeout`) and the reclaim window after an owner's transport drops
 * (Janus's `reclaim_session_timeout`).
 */
import type { Logger } from 'pino';
import { LazyLogger } from '../logging.js';
import { uniqueId, type ClientSessionId } from '../protocol/ids.js';
import { IdMap } from '../protocol/id-map.js';
import { Session } from './session.js';
import type { Sink } from './sink.js';
import type { LocalityResolver } from '../cluster/locality.js';
import type { SessionMeta, SessionStore } from '../store/session-store.js';
import type { ProxyEvents } from '../events/proxy-events.js';

const WATCHDOG_INTERVAL_MS = 1_000;

export interface SessionsOptions {
  sessionTimeoutS: number;
  reclaimSessionTimeoutS: number;
  logger: Logger;
  locality?: LocalityResolver;
  /** Durable records, so that another proxy can take a session over (decision 11). */
  records?: SessionStore | undefined;
  /** The proxy's own events for the event stream. */
  events?: ProxyEvents | undefined;
  now?: () => number;
}

export class Sessions {
  private readonly sessions = new IdMap<Session>();
  private readonly owned = new Map<Sink, Set<Session>>();
  private readonly watchdog: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: SessionsOptions) {
    this.now = options.now ?? Date.now;
    this.watchdog = setInterval(() => {
      this.sweep();
    }, WATCHDOG_INTERVAL_MS);
    this.watchdog.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Live handles over all sessions (read by metrics at scrape time, not on the hot path). */
  handleCount(): number {
    let count = 0;
    for (const session of this.sessions.values()) count += session.handles.size;
    return count;
  }

  /** Janus Admin API set_session_timeout: sessions idle longer than this from now on are swept. */
  setSessionTimeout(seconds: number): void {
    this.options.sessionTimeoutS = seconds;
  }

  /** Every session id (the Janus Admin API's list_sessions). */
  ids(): number[] {
    return [...this.sessions.keys()];
  }

  has(id: number): boolean {
    return this.sessions.has(id);
  }

  get(id: number): Session | undefined {
    return this.sessions.get(id);
  }

  /**
   * A new session; its events go where `requester` says (itself, or e.g. an HTTP long-poll queue).
   * Its record is written unless `recorded` says the caller already wrote it (a requested id).
   */
  create(requester: Sink, requestedId: number | undefined, auth = '', recorded = false): Session {
    const id = requestedId ? (requestedId as ClientSessionId) : uniqueId<ClientSessionId>((c) => this.sessions.has(c));
    const session = this.insert(id, requester);
    this.options.events?.sessionCreated(id, requester.transport ?? 'ws');
    const records = this.options.records;
    if (records && !recorded) {
      records.create(this.recordOf(id, requester, auth)).catch((err: unknown) => {
        session.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'session record not written');
      });
    }
    return session;
  }

  /** The record a new session starts with. */
  recordOf(id: number, requester: Sink, auth: string): Omit<SessionMeta, 'owner' | 'version'> {
    return { id, transport: requester.transport ?? 'ws', auth, created_at: this.now(), reclaim_s: this.options.reclaimSessionTimeoutS };
  }

  /** A session taken over from another proxy (take-over.ts fills in its handles). */
  adopt(id: ClientSessionId, requester: Sink): Session {
    const existing = this.sessions.get(id);
    if (existing) this.release(id);
    return this.insert(id, requester);
  }

  /** The session moved to another proxy: forget it here, without a word to its client or Janus. */
  release(id: number): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.forget(session);
    session.logger.info('session moved to another proxy');
  }

  touch(session: Session): void {
    session.lastActivityMs = this.now();
  }

  /** Moves the session's events to `requester`, or where it says (Janus `claim`). */
  claim(session: Session, requester: Sink): void {
    const owner = requester.ownerFor?.(session.id) ?? requester;
    if (session.owner) this.disown(session.owner, session);
    session.owner = owner;
    session.state = 'active';
    this.own(owner, session);
  }

  destroy(session: Session, reason: 'destroyed' | 'timeout' = 'destroyed'): void {
    if (this.sessions.get(session.id) === session) {
      this.options.records?.remove(session.id);
      this.options.events?.sessionEnded(session.id, reason);
    }
    this.sessions.delete(session.id);
    if (session.owner) this.disown(session.owner, session);
    session.destroy();
  }

  /** The owner's transport closed: destroy its sessions now, or park them for the reclaim window. */
  onSinkClosed(sink: Sink): void {
    const sessions = this.owned.get(sink);
    this.owned.delete(sink);
    if (!sessions) return;
    const windowS = this.options.reclaimSessionTimeoutS;
    for (const session of sessions) {
      session.owner = undefined;
      if (windowS <= 0) {
        this.destroy(session);
      } else {
        session.state = 'orphaned';
        session.orphanDeadlineMs = this.now() + windowS * 1000;
      }
    }
  }

  stop(): void {
    clearInterval(this.watchdog);
    for (const session of [...this.sessions.values()]) this.destroy(session);
  }

  /**
   * Stops with the sessions left for other proxies to take over (proxies sharing a store): nothing
   * is destroyed, on Janus or in the records; the sessions just stop living here.
   */
  handOver(): void {
    clearInterval(this.watchdog);
    for (const session of [...this.sessions.values()]) this.forget(session);
  }

  /** Drops a session here without destroying it anywhere (its runtime only). */
  private forget(session: Session): void {
    this.sessions.delete(session.id);
    if (session.owner) this.disown(session.owner, session);
    session.abandon();
  }

  private insert(id: ClientSessionId, requester: Sink): Session {
    const owner = requester.ownerFor?.(id) ?? requester;
    const session = new Session(id, owner, new LazyLogger(this.options.logger, { session: id }), this.now());
    session.locality = this.options.locality?.resolve(requester.origin);
    this.sessions.set(session);
    this.own(owner, session);
    return session;
  }

  private own(sink: Sink, session: Session): void {
    let set = this.owned.get(sink);
    if (!set) {
      set = new Set();
      this.owned.set(sink, set);
    }
    set.add(session);
  }

  /** Empty sets are dropped: an HTTP queue owns one session and never reports itself closed. */
  private disown(sink: Sink, session: Session): void {
    const set = this.owned.get(sink);
    set?.delete(session);
    if (set?.size === 0) this.owned.delete(sink);
    sink.release?.(session.id);
  }

  private sweep(): void {
    const now = this.now();
    const timeoutMs = this.options.sessionTimeoutS * 1000;
    for (const session of this.sessions.values()) {
      if (session.state === 'orphaned' && now >= session.orphanDeadlineMs) {
        session.logger.info('session not reclaimed in time, destroying');
        this.destroy(session);
      } else if (timeoutMs > 0 && now - session.lastActivityMs >= timeoutMs) {
        session.logger.info('session timed out');
        session.emit(undefined, { janus: 'timeout' });
        this.destroy(session, 'timeout');
      }
    }
  }
}
