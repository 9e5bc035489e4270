/**
 * One Janus session on one backend, owned by one client session (never shared between clients).
 * It keeps itself alive, routes events to its handles, and survives a connection blip by
 * claiming itself on a new connection when the backend's reclaim window allows it.
 */
import type { Bindings, Logger } from 'pino';
import { LazyLogger } from '../logging.js';
import type { BackendConnection, BackendSessionRoute } from './connection.js';
import type { BackendPool } from './pool.js';
import type { ReplyReceiver } from './pending-requests.js';
import { BackendHandle } from './backend-handle.js';
import { randomId, type BackendHandleId, type BackendSessionId } from '../protocol/ids.js';
import type { JsonObject } from '../protocol/messages.js';
import type { RelayedEvent } from '../protocol/relayed-event.js';
import { holdsId, idHigh, idLow } from '../protocol/id-map.js';
import { isBackendFailure, JanusError, JanusErrorCode, ProxyErrors } from '../protocol/errors.js';

const MIN_KEEPALIVE_INTERVAL_MS = 5_000;
const DEFAULT_KEEPALIVE_INTERVAL_MS = 25_000;

export type BackendSessionState = 'active' | 'reclaiming' | 'dead';

export interface BackendSessionOwner {
  /** The backend session is gone for good (backend died or its reclaim window passed). */
  onBackendSessionLost(session: BackendSession): void;
}

/** What becomes of a backend session whose take-over `claim` Janus answers after the proxy gave up on it. */
export interface LateClaimPolicy {
  /**
   * Janus moved it to this connection after the proxy gave up: the policy decides, and calls
   * `destroy` (on that same connection) if nobody needs it.
   */
  answeredLate(destroy: () => Promise<void>): void;
}

export class BackendSession implements BackendSessionRoute {
  state: BackendSessionState = 'active';
  readonly handles = new Map<BackendHandleId, BackendHandle>();
  /** Settles when Janus has answered the `create`; requests sent meanwhile queue behind it on the socket. */
  readonly ready: Promise<void>;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  /** Attaches sent and not answered yet: their handles will belong to this session's current owner. */
  private attaching = 0;
  /** The handle the last event went to (most backend sessions carry one). */
  private recentHandle: BackendHandle | undefined;
  /**
   * An attach timed out or lost its answer: Janus may hold a handle here that the proxy never heard
   * of (a late answer detaches it, but only while the connection still listens for one). Such a
   * session is never handed to another client as a spare; it is destroyed when its client is done.
   * Sticky rather than cleared by the late answer: a rare error path, and a destroy is cheap.
   */
  private mayHoldUnknownHandle = false;
  /**
   * Claimed from another proxy's connection (a take-over), not created here: another proxy's claim
   * that Janus answers late may still move it away or destroy it, so it is never handed to another
   * client as a spare; it is destroyed when its client is done.
   */
  private readonly takenOver: boolean;
  /** The reconnection's claim under way, while `reclaiming`. */
  private reclaimDone: Promise<void> | undefined;
  /** The id as JSON writes it, made once (a plugin message's frame is written around it). */
  private readonly idText: string;
  readonly idLow: number;
  readonly idHigh: number;

  private constructor(
    readonly id: BackendSessionId,
    private conn: BackendConnection,
    readonly pool: BackendPool,
    private owner: BackendSessionOwner,
    private readonly log: LazyLogger,
    how: 'create' | { claim: LateClaimPolicy } = 'create',
  ) {
    this.takenOver = how !== 'create';
    this.idText = String(id);
    this.idLow = idLow(id);
    this.idHigh = idHigh(id);
    conn.register(this);
    const first = how === 'create'
      ? conn.request({ janus: 'create', id }, { onLateReply: () => void destroyOrphanSession(conn, id) })
      : conn.request({ janus: 'claim', session_id: id }, {
        // Janus moved the session to this connection after we gave up on it: the policy decides.
        onLateReply: () => { how.claim.answeredLate(() => destroyOrphanSession(conn, id)); },
      });
    this.ready = first
      .then(
        () => {
          if (this.alive) this.startKeepalive();
        },
        (err: unknown) => {
          this.die();
          throw err;
        },
      );
    this.ready.catch(() => undefined); // failures surface through attach()
  }

  /**
   * Opens a backend session without waiting for Janus: the proxy picks the session id itself (Janus
   * `create` with `id`), so the first `attach` can follow on the same socket at once and a client's
   * first handle on a backend costs one round trip, not two.
   */
  static open(pool: BackendPool, owner: BackendSessionOwner, logger: Logger | LazyLogger, bindings: Bindings = {}): BackendSession {
    const conn = pool.pick();
    if (!conn) throw ProxyErrors.backendLost();
    const id = randomId() as BackendSessionId;
    return new BackendSession(id, conn, pool, owner, new LazyLogger(logger, Object.assign({}, bindings, { backendSession: id })));
  }

  /**
   * Takes over a session another proxy opened (session take-over): Janus `claim` moves it to this
   * proxy's connection. Resolves once Janus agreed; rejects when the session is gone there or Janus
   * did not answer in time — should Janus agree after that, `policy` says whether to destroy it.
   */
  static async claim(pool: BackendPool, owner: BackendSessionOwner, id: BackendSessionId, logger: Logger | LazyLogger, policy: LateClaimPolicy): Promise<BackendSession> {
    const conn = pool.pick();
    if (!conn) throw ProxyErrors.backendLost();
    const session = new BackendSession(id, conn, pool, owner, new LazyLogger(logger, { backendSession: id }), { claim: policy });
    await session.ready;
    return session;
  }

  get logger(): Logger {
    return this.log.logger;
  }

  /** A handle Janus already has on this session (restored from its record after a take-over). */
  adoptHandle(id: BackendHandleId, plugin: string): BackendHandle {
    const handle = new BackendHandle(id, this, plugin);
    this.handles.set(id, handle);
    return handle;
  }

  /** Another proxy took the session over: stop using it here without telling Janus or the handles. */
  abandon(): void {
    if (this.state === 'dead') return;
    this.stop();
    this.handles.clear();
  }

  get alive(): boolean {
    return this.state !== 'dead';
  }

  /** Active, with no handle on it, none being attached and none Janus may have made unseen: fit to be handed to another client session. */
  get isEmpty(): boolean {
    return this.state === 'active' && this.handles.size === 0 && this.attaching === 0 && !this.mayHoldUnknownHandle && !this.takenOver;
  }

  /** Hands a spare session to the client session that will use it. */
  adopt(owner: BackendSessionOwner): void {
    this.owner = owner;
  }

  /** Sends a session-level request on the session's current connection. */
  request(msg: JsonObject, onLateReply?: (reply: JsonObject) => void): Promise<JsonObject> {
    if (this.state !== 'active') return Promise.reject(ProxyErrors.backendLost());
    msg.session_id = this.id;
    return this.conn.request(msg, onLateReply ? { onLateReply } : {});
  }

  /**
   * `request` without a Promise (the relay path): `receiver` is told once, at once if the session is
   * not active. `msg` already names this session (its handle builds it with session_id in the literal).
   */
  send(msg: JsonObject, receiver: ReplyReceiver): void {
    if (this.state !== 'active') {
      receiver.reject(ProxyErrors.backendLost());
      return;
    }
    this.conn.send(msg, receiver);
  }

  /** `send` of a plugin message without jsep whose body is already JSON text (BackendConnection.sendMessageFrame). */
  sendMessageFrame(handleIdText: string, body: string, transaction: string, receiver: ReplyReceiver): void {
    if (this.state !== 'active') {
      receiver.reject(ProxyErrors.backendLost());
      return;
    }
    this.conn.sendMessageFrame(this.idText, handleIdText, body, transaction, receiver);
  }

  async attach(plugin: string, opaqueId: string | undefined): Promise<BackendHandle> {
    const msg: JsonObject = { janus: 'attach', plugin };
    if (opaqueId !== undefined) msg.opaque_id = opaqueId;
    const conn = this.conn;
    const attached = this.request(msg, (late) => void detachOrphan(conn, this.id, late));
    this.attaching++;
    try {
      try {
        await this.ready;
      } catch (err) {
        // The create failed (e.g. the id was taken): whatever the attach created is not ours.
        attached.then((reply) => detachOrphan(conn, this.id, reply), () => undefined);
        // Janus's answer to our `create` (468 for our id, 403 for our secret) is no answer to the
        // client's attach: to the client this backend failed, and the caller may try another.
        throw isBackendFailure(err) ? err : ProxyErrors.backendLost();
      }
      const reply = await attached.catch((err: unknown) => {
        // No answer (timed out, connection lost): Janus may have made the handle all the same.
        if (isBackendFailure(err)) this.mayHoldUnknownHandle = true;
        // Janus no longer has the session (it timed out there unseen): its 458 names our backend
        // session, not the client's. Drop it; the caller places the handle again.
        if (!(err instanceof JanusError && err.code === JanusErrorCode.SESSION_NOT_FOUND)) throw err;
        this.die();
        throw ProxyErrors.backendLost();
      });
      const id = (reply.data as { id: number }).id as BackendHandleId;
      if (!this.alive) throw ProxyErrors.backendLost();
      const handle = new BackendHandle(id, this, plugin);
      this.handles.set(id, handle);
      return handle;
    } finally {
      this.attaching--;
    }
  }

  onBackendMessage(msg: JsonObject): void {
    const sender = msg.sender;
    if (typeof sender === 'number') {
      // Replies come here only when nobody waits for them any more: answered after the request timed
      // out, whose client already got 490. A plugin's late `success` (a synchronous answer) is dropped:
      // it answers nothing now, and Janus never sends one without its transaction. A late `event` (after
      // the `ack`) is passed on, without the transaction (BackendLink no longer knows it): it is real
      // plugin state (joined, configured, an answer's jsep), as Janus would deliver it, and clients take a
      // transaction-less event as any asynchronous plugin event (janus.js: onmessage; Janode: handle event).
      if (msg.janus === 'success') return;
      this.handleFor(sender)?.onEvent(msg);
      return;
    }
    if (msg.janus === 'timeout') this.die();
  }

  onRelayedEvent(event: RelayedEvent): boolean {
    return this.handleFor(event.sender)?.onRelayedEvent(event) ?? true;
  }

  takesRelayedEvents(sender: number): boolean {
    return this.handleFor(sender)?.takesRelayedEvents() ?? false;
  }

  private handleFor(sender: number): BackendHandle | undefined {
    let handle = this.recentHandle;
    if (handle === undefined || !holdsId(handle, sender) || !handle.alive) {
      handle = this.handles.get(sender as BackendHandleId);
      this.recentHandle = handle;
    }
    return handle;
  }

  onSessionGone(): void {
    if (this.state === 'active') this.die();
  }

  onConnectionLost(): void {
    if (this.state !== 'active') return;
    const windowS = this.pool.info?.reclaimSessionTimeoutS ?? 0;
    if (windowS <= 0) {
      this.die();
      return;
    }
    this.state = 'reclaiming';
    this.reclaimDone = this.reclaim(windowS * 1000);
  }

  /** Resolves once a reconnection's claim under way is over (at once when there is none). */
  settled(): Promise<void> {
    return this.state === 'reclaiming' && this.reclaimDone ? this.reclaimDone : Promise.resolve();
  }

  /** Destroys the session on the backend (its handles go with it, without events). */
  destroy(): void {
    if (this.state === 'dead') return;
    const wasActive = this.state === 'active';
    this.stop();
    if (wasActive) this.conn.request({ janus: 'destroy', session_id: this.id }).catch(() => undefined);
  }

  private async reclaim(windowMs: number): Promise<void> {
    const deadline = Date.now() + windowMs;
    const conn = await Promise.race([this.pool.whenOpen(windowMs), this.pool.whenRefused().then(() => undefined)]);
    if (this.state !== 'reclaiming') return;
    if (!conn || Date.now() > deadline) {
      this.die();
      return;
    }
    try {
      // Should the claim be answered after we gave up, the session is Janus's alone: destroy it there.
      await conn.request({ janus: 'claim', session_id: this.id }, { onLateReply: () => void destroyOrphanSession(conn, this.id) });
    } catch {
      this.die();
      return;
    }
    if (!this.isReclaiming()) return;
    this.conn = conn;
    conn.register(this);
    this.state = 'active';
    this.logger.info('backend session reclaimed');
  }

  /** Re-read after an await: the session may have been destroyed meanwhile. */
  private isReclaiming(): boolean {
    return this.state === 'reclaiming';
  }

  private die(): void {
    if (this.state === 'dead') return;
    this.stop();
    for (const handle of [...this.handles.values()]) handle.onLost();
    this.handles.clear();
    this.owner.onBackendSessionLost(this);
  }

  private stop(): void {
    this.state = 'dead';
    clearInterval(this.keepaliveTimer);
    this.conn.unregister(this.id);
  }

  private startKeepalive(): void {
    const timeoutS = this.pool.info?.sessionTimeoutS ?? 0;
    const intervalMs =
      timeoutS > 0 ? Math.max(MIN_KEEPALIVE_INTERVAL_MS, (timeoutS * 1000) / 3) : DEFAULT_KEEPALIVE_INTERVAL_MS;
    this.keepaliveTimer = setInterval(() => {
      this.request({ janus: 'keepalive' }).catch((err: unknown) => {
        // Janus no longer has the session (it timed out there): its handles are gone too.
        if (err instanceof JanusError && err.code === JanusErrorCode.SESSION_NOT_FOUND) this.die();
      });
    }, intervalMs);
    this.keepaliveTimer.unref();
  }
}

async function destroyOrphanSession(conn: BackendConnection, id: number): Promise<void> {
  if (conn.state !== 'open') return;
  await conn.request({ janus: 'destroy', session_id: id }).catch(() => undefined);
}

async function detachOrphan(conn: BackendConnection, sessionId: number, reply: JsonObject): Promise<void> {
  const id = (reply.data as { id?: number } | undefined)?.id;
  if (typeof id !== 'number' || conn.state !== 'open') return;
  await conn.request({ janus: 'detach', session_id: sessionId, handle_id: id }).catch(() => undefined);
}
