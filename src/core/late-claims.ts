/**
 * Backend sessions whose take-over `claim` Janus answered only after this proxy gave up on it (see
 * TakeOvers). Janus moved the session to this proxy's connection all the same, so its events come
 * here, where nobody listens. Who needs it now is read from the session's record, not from the
 * bus's move notices (which may come after the late answer):
 * - no record: the client session is over; the backend session is destroyed (a proxy that had
 *   claimed it too destroyed it already: claimed backend sessions are never kept as spares);
 * - owned here: kept and claimed again on its own connection if this proxy's session holds it (it
 *   came back here and a later take-over claimed it), else destroyed (the take-over that gave up on
 *   it has dropped its handles from the record first, so no later claimer can be given them);
 * - owned elsewhere: that proxy is told; if it still owns the session (read anew) and holds the
 *   backend session, it claims it again, which moves the events back to its connection (a claim
 *   from the connection that already has the session changes nothing in Janus).
 */
import type { Logger } from 'pino';
import type { BackendSession } from '../backend/backend-session.js';
import type { Backend } from '../cluster/backend.js';
import type { Cluster } from '../cluster/cluster.js';
import type { MessageBus } from '../store/bus.js';
import type { SessionStore } from '../store/session-store.js';
import type { Session } from './session.js';
import type { Sessions } from './sessions.js';

/** The bus topic on which a session's owner hears that Janus moved one of its backend sessions away late. */
export const LATE_CLAIM_TOPIC = 'backend-claimed-late';

/** What a LATE_CLAIM_TOPIC message carries. */
export interface LateClaimNotice {
  /** The client session. */
  session: number;
  /** The backend's name and the backend session there. */
  backend: string;
  backend_session: number;
}

export interface LateClaimsDeps {
  sessions: Sessions;
  records: SessionStore;
  bus: MessageBus;
  cluster: Cluster;
  logger: Logger;
  /** The take-over of client session `id` under way on this proxy, if any. */
  pending(id: number): Promise<unknown> | undefined;
}

export class LateClaims {
  /** Backend sessions that take-overs here claimed, per client session. */
  private readonly claimedHere = new WeakMap<Session, BackendSession[]>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: LateClaimsDeps) {
    this.unsubscribe = deps.bus.subscribe(LATE_CLAIM_TOPIC, (message) => {
      const { session, backend, backend_session: backendSession } = message;
      if (typeof session !== 'number' || typeof backend !== 'string' || typeof backendSession !== 'number') return;
      void this.toldByAnother({ session, backend, backend_session: backendSession });
    });
  }

  /** A take-over here claimed `backendSession` for `session`. */
  claimed(session: Session, backendSession: BackendSession): void {
    const list = this.claimedHere.get(session);
    if (list) list.push(backendSession);
    else this.claimedHere.set(session, [backendSession]);
  }

  /**
   * Janus answered a take-over's `claim` of a backend session after the take-over gave up on it;
   * `destroy` ends it on Janus over the connection that claimed it.
   */
  async answeredLate(sessionId: number, backend: Backend, backendSessionId: number, destroy: () => Promise<void>): Promise<void> {
    const { records, bus, logger } = this.deps;
    const notice: LateClaimNotice = { session: sessionId, backend: backend.name, backend_session: backendSessionId };
    const log = logger.child({ session: sessionId, backend: backend.name, backendSession: backendSessionId });
    let owner: string | undefined;
    try {
      // The take-over that gave up on it drops its handles from the record before it ends.
      owner = await this.ownerNow(sessionId);
    } catch (err) {
      // Who uses it is unknown: left alone, it is used or reaped by Janus's session timeout.
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'late-claimed backend session left alone (session record unreadable)');
      return;
    }
    if (owner !== undefined && owner !== records.proxyId) {
      log.info({ owner }, 'backend session claimed late: its owner is told to claim it again');
      const told = await bus.publish(owner, LATE_CLAIM_TOPIC, { ...notice }).catch(() => false);
      // Not told (its proxy is gone): the owner sweep or a client's claim elsewhere claims it anew.
      if (!told) log.warn({ owner }, 'owner of a late-claimed backend session not reached');
      return;
    }
    const held = this.heldHere(notice);
    if (held) {
      await claimAgain(held);
      return;
    }
    log.info('backend session claimed late, used by nobody: destroyed');
    await destroy();
  }

  close(): void {
    this.unsubscribe();
  }

  /**
   * Another proxy's late claim moved a backend session of a session whose record names this proxy:
   * claimed again if this proxy still owns the session (read anew: the client may have moved on
   * since that proxy read the record, and the new owner holds it now) and holds the backend session.
   */
  private async toldByAnother(notice: LateClaimNotice): Promise<void> {
    const { records, logger } = this.deps;
    try {
      // A take-over under way here may be claiming it right now.
      const owner = await this.ownerNow(notice.session);
      const held = owner === records.proxyId ? this.heldHere(notice) : undefined;
      if (held) await claimAgain(held);
      else logger.info({ ...notice, owner }, 'late claim elsewhere of a backend session not held here: nothing to do');
    } catch (err) {
      logger.warn({ ...notice, err: err instanceof Error ? err.message : String(err) }, 'late claim elsewhere not handled');
    }
  }

  /** The session's owner as stored once this proxy's take-over of it (if any) and its writes are done. */
  private async ownerNow(sessionId: number): Promise<string | undefined> {
    await this.deps.pending(sessionId)?.catch(() => undefined);
    await this.deps.records.flush();
    return (await this.deps.records.get(sessionId))?.owner;
  }

  /** The backend session, if this proxy's live client session holds it from a take-over. */
  private heldHere(notice: LateClaimNotice): BackendSession | undefined {
    const session = this.deps.sessions.get(notice.session);
    const backend = this.deps.cluster.backends.get(notice.backend);
    if (!session?.alive || !backend) return undefined;
    return this.claimedHere.get(session)?.find((s) => s.alive && s.id === notice.backend_session && s.pool === backend.pool);
  }
}

/**
 * Claims the backend session again on its own connection, so that Janus sends its events there; if
 * that connection is being replaced, once the reconnection's own claim is over (Janus may have
 * carried out the late claim after it).
 */
async function claimAgain(held: BackendSession): Promise<void> {
  await held.settled();
  if (!held.alive) return;
  try {
    await held.request({ janus: 'claim' });
    held.logger.info('backend session claimed again (another proxy claimed it late)');
  } catch (err) {
    held.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'backend session not claimed again');
  }
}
