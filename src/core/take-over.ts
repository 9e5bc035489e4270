/**
 * Session take-over (architecture decision 13): a `claim` for a session this proxy does not hold
 * moves it here from its record. Lease by compare-and-set, then Janus `claim` of each backend
 * session on this proxy's own connections, then each plugin rebuilds its handle from its record.
 * Handles whose backend session is gone end as a lost backend ends them (`hangup`, `detached`).
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { JanusError, JanusErrorCode as C } from '../protocol/errors.js';
import type { BackendHandleId, BackendSessionId, ClientHandleId, ClientSessionId } from '../protocol/ids.js';
import { BackendSession, type LateClaimPolicy } from '../backend/backend-session.js';
import { BACKEND_LOST_REASON } from '../plugins/backend-link.js';
import type { HandleRecord, SessionRecord, SessionStore } from '../store/session-store.js';
import type { MessageBus } from '../store/bus.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { Cluster } from '../cluster/cluster.js';
import type { Backend } from '../cluster/backend.js';
import type { Sessions } from './sessions.js';
import type { Session } from './session.js';
import type { Sink } from './sink.js';
import { Handle } from './handle.js';
import { handleRecord, pluginContext } from './plugin-context.js';
import type { ProxyEvents } from '../events/proxy-events.js';
import { LateClaims } from './late-claims.js';

/**
 * Another proxy took the session first (two claims racing). A WebSocket `claim` answers it as an
 * error; an HTTP request, which any proxy may serve, goes to the winner instead.
 */
export class ClaimedElsewhere extends JanusError {
  constructor(sessionId: number) {
    super(C.UNKNOWN, `Session ${String(sessionId)} is being claimed elsewhere`);
  }
}

export interface ClaimOptions {
  /**
   * Take the session only from this owner, found dead or unreachable (an HTTP request, which any
   * proxy may serve): if another proxy has taken it meanwhile, e.g. for a long poll, it keeps it
   * and the request goes there.
   */
  onlyFrom?: string;
}

/** The client of a session being swept: there is none, so its events go nowhere. */
const NOBODY: Sink = { id: 'owner-sweep', open: false, send: () => undefined };

interface RestoreOptions {
  /** Sweeping: rebuild a handle whose backend session is gone too (its plugin still has clearing up to do). */
  evenWithoutBackend: boolean;
}

/** The bus topic on which an old owner hears that its session moved. */
export const SESSION_MOVED_TOPIC = 'session-moved';

export interface TakeOverDeps {
  sessions: Sessions;
  records: SessionStore;
  bus: MessageBus;
  plugins: PluginRegistry;
  cluster: Cluster;
  logger: Logger;
  /** The proxy's own events for the event stream. */
  events?: ProxyEvents | undefined;
}

/**
 * What identifies whoever created a session, without storing the secret: a hash of the credential
 * that authorized it (`kind` tells an api secret from a token), or '' when no auth is configured.
 */
export function authIdentity(credential: string | undefined, kind: 'secret' | 'token' = 'secret'): string {
  if (credential === undefined || credential === '') return '';
  return createHash('sha256').update(`${kind}:${credential}`).digest('base64url').slice(0, 22);
}

export class TakeOvers {
  /** Take-overs under way here: a second claim for the same session waits for the first. */
  private readonly running = new Map<number, Promise<Session>>();
  private readonly unsubscribe: () => void;
  private readonly takenOverListeners = new Set<(sessionId: number) => void>();
  /** Backend sessions whose claim Janus answered after a take-over here gave up on them: see lateClaimPolicy. */
  private readonly lateClaims: LateClaims;

  constructor(private readonly deps: TakeOverDeps) {
    this.unsubscribe = deps.bus.subscribe(SESSION_MOVED_TOPIC, (message) => {
      if (typeof message.session !== 'number') return;
      deps.sessions.release(message.session);
    });
    this.lateClaims = new LateClaims({ ...deps, pending: (id) => this.running.get(id) });
  }

  /**
   * Moves session `id` to this proxy for `sink`; `identity` is the claimer's (authIdentity of what
   * authorized the claim). Rejects with a Janus error when it cannot.
   */
  claim(id: number, sink: Sink, identity: string, options: ClaimOptions = {}): Promise<Session> {
    let running = this.running.get(id);
    if (!running) {
      running = this.run(id, sink, identity, options).finally(() => this.running.delete(id));
      this.running.set(id, running);
      return running;
    }
    return running.then((session) => {
      // An HTTP request or poll next to the one that started the take-over leaves the session's
      // events where they go now (claiming anew would replace its poll queue and drop what it holds).
      if (options.onlyFrom === undefined) this.deps.sessions.claim(session, sink);
      return session;
    });
  }

  /** The take-over of session `id` under way here, if any: its session exists before its handles are back. */
  pending(id: number): Promise<unknown> | undefined {
    // Asked for every request: most of the time nothing is being taken over, and no lookup is needed.
    return this.running.size === 0 ? undefined : this.running.get(id);
  }

  /**
   * Ends a session of a dead proxy that nobody claimed (the owner sweep took its record): its
   * handles are rebuilt with no client, even those whose backend session is gone, and destroyed as
   * a client's would be, so each plugin clears what it holds elsewhere (room participants and their
   * copies on other backends, registered users); the backend sessions go with them.
   */
  async finishAbandoned(record: SessionRecord): Promise<void> {
    const session = await this.rebuild(record, NOBODY, { evenWithoutBackend: true });
    this.deps.sessions.destroy(session);
  }

  /** Calls `listener` with the id of every session taken over here. Returns an unsubscribe function. */
  onTakenOver(listener: (sessionId: number) => void): () => void {
    this.takenOverListeners.add(listener);
    return () => { this.takenOverListeners.delete(listener); };
  }

  close(): void {
    this.unsubscribe();
    this.lateClaims.close();
    this.takenOverListeners.clear();
  }

  private async run(id: number, sink: Sink, auth: string, options: ClaimOptions): Promise<Session> {
    const { records, bus } = this.deps;
    const record = await records.get(id);
    if (!record) throw new JanusError(C.SESSION_NOT_FOUND, `No such session ${id}`);
    if (record.auth !== auth) throw new JanusError(C.UNAUTHORIZED, 'Unauthorized request (wrong or missing secret/token)');
    if (options.onlyFrom !== undefined && record.owner !== options.onlyFrom) throw new ClaimedElsewhere(id);
    const won = await records.takeOver(id, record.owner);
    if (!won) throw new ClaimedElsewhere(id);
    if (record.owner !== records.proxyId) {
      bus.publish(record.owner, SESSION_MOVED_TOPIC, { session: id }).catch(() => undefined);
    }
    const started = performance.now();
    const session = await this.rebuild(won, sink);
    session.logger.info({ from: record.owner, handles: session.handles.size, ms: Math.round(performance.now() - started) }, 'session taken over');
    this.deps.events?.sessionTakenOver(id, record.owner, session.handles.size);
    for (const listener of this.takenOverListeners) listener(id);
    return session;
  }

  private async rebuild(record: SessionRecord, sink: Sink, options: RestoreOptions = { evenWithoutBackend: false }): Promise<Session> {
    const session = this.deps.sessions.adopt(record.id as ClientSessionId, sink);
    const claimed = await this.claimBackendSessions(session, record.handles);
    const lost: number[] = [];
    for (const handleRecord of record.handles) {
      const restored = await this.restoreHandle(session, handleRecord, claimed, options).catch((err: unknown) => {
        session.logger.warn({ handle: handleRecord.id, err: err instanceof Error ? err.message : String(err) }, 'handle not restored');
        return false;
      });
      if (!restored) lost.push(handleRecord.id);
    }
    // Before the take-over ends: a late claim's answer decides on the record without these handles.
    for (const handleId of lost) this.deps.records.removeHandle(record.id, handleId);
    // After the claim's answer, as Janus would send them: these handles did not survive the move.
    setImmediate(() => {
      for (const handleId of lost) {
        session.emit(handleId as ClientHandleId, { janus: 'hangup', reason: BACKEND_LOST_REASON });
        session.emit(handleId as ClientHandleId, { janus: 'detached' });
      }
    });
    return session;
  }

  /** Claims each backend session named by the handles; a key per backend session id. */
  private async claimBackendSessions(session: Session, handles: readonly HandleRecord[]): Promise<Map<number, { backend: Backend; session: BackendSession }>> {
    const wanted = new Map<number, string>();
    for (const h of handles) if (h.backend !== undefined && h.backend_session !== undefined) wanted.set(h.backend_session, h.backend);
    const claimed = new Map<number, { backend: Backend; session: BackendSession }>();
    await Promise.all([...wanted].map(async ([backendSessionId, name]) => {
      const backend = this.deps.cluster.backends.get(name);
      if (!backend) return;
      try {
        const policy = this.lateClaimPolicy(session, backend, backendSessionId);
        const backendSession = await BackendSession.claim(backend.pool, session, backendSessionId as BackendSessionId, session.log, policy);
        session.adoptBackendSession(backend, backendSession);
        this.lateClaims.claimed(session, backendSession);
        claimed.set(backendSessionId, { backend, session: backendSession });
      } catch (err) {
        session.logger.warn({ backend: name, err: err instanceof Error ? err.message : String(err) }, 'backend session could not be claimed');
      }
    }));
    return claimed;
  }

  /**
   * A backend session whose `claim` Janus answers only after this take-over gave up on it (timed
   * out) is on this proxy's connection all the same: its events come here, where nobody listens.
   * The take-over has ended its handles for the client (hangup, detached) and dropped them from the
   * record. What becomes of it is decided from the session's record, once this take-over is over
   * (late-claims.ts): no record, or owned here without it, it is destroyed, as a late `create` is,
   * so its handles' plugin state (a room participant, a call) does not linger on Janus until its
   * session timeout. Owned by another proxy (the client moved on meanwhile, and that proxy may
   * have claimed this very backend session from the record while these handles were still in it),
   * it is left alone and that proxy is told over the bus: if it holds the backend session it claims
   * it again, so that the events Janus now sends here (it may have processed our claim after that
   * proxy's) go back to its connection. Reading the record rather than waiting for the bus's move
   * notice, the decision does not depend on which of the two arrives first. Still lost: the events
   * Janus sent here between our late claim and the owner's new one.
   */
  private lateClaimPolicy(session: Session, backend: Backend, backendSessionId: number): LateClaimPolicy {
    return {
      answeredLate: (destroy) => {
        this.lateClaims.answeredLate(session.id, backend, backendSessionId, destroy).catch((err: unknown) => {
          session.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'late-claimed backend session left alone');
        });
      },
    };
  }

  private async restoreHandle(
    session: Session, record: HandleRecord, claimed: Map<number, { backend: Backend; session: BackendSession }>, options: RestoreOptions,
  ): Promise<boolean> {
    const module = this.deps.plugins.resolve(record.plugin, () => true);
    if (!module?.restore) return false;
    let backendHandle;
    if (record.backend_session !== undefined && record.backend_handle !== undefined) {
      const owner = claimed.get(record.backend_session);
      if (!owner && !options.evenWithoutBackend) return false;
      backendHandle = owner?.session.adoptHandle(record.backend_handle as BackendHandleId, record.plugin);
    }
    const handle = new Handle(record.id as ClientHandleId, record.plugin, record.opaque_id);
    handle.pluginState = record.plugin_state;
    const ctx = pluginContext(session, handle, { cluster: this.deps.cluster, records: this.deps.records });
    handle.pluginHandle = await module.restore(ctx, { state: record.plugin_state, backendHandle, backend: record.backend });
    if (!session.alive) {
      handle.pluginHandle.destroy();
      return true;
    }
    session.handles.set(handle.id, handle);
    // What the plugin saved while restoring (its ctx.save writes only for handles already listed).
    this.deps.records.putHandle(session.id, handleRecord(handle));
    return true;
  }
}
