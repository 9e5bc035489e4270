/**
 * Answers every Janus core verb the way Janus 1.1.2 does: validation order, reply shapes and error
 * codes (janus-api.md §1). Each request gets exactly one reply on the Sink it came from;
 * asynchronous events go to the session's owner.
 */
// Imported rather than the global: Node's global `performance` is an accessor, looked up per request.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { JanusError, JanusErrorCode as C, toJanusError } from '../protocol/errors.js';
import { EnvelopeError, parseEnvelope, type ClientRequest, type HandleRequest, type SessionRequest } from '../protocol/envelope.js';
import { errorReply, successReply, type JsonObject, type OutgoingMessage } from '../protocol/messages.js';
import type { Sink } from './sink.js';
import type { Sessions } from './sessions.js';
import type { Session } from './session.js';
import { serverInfo, type ServerInfoInputs } from './server-info.js';
import { uniqueId, type ClientSessionId } from '../protocol/ids.js';
import { attach, handleVerb } from './handle-verbs.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { Cluster } from '../cluster/cluster.js';
import type { RequestObserver } from './request-observer.js';
import type { SessionStore } from '../store/session-store.js';
import { StoreUnavailableError, STORE_UNAVAILABLE_REASON } from '../store/store-error.js';
import { authIdentity, ClaimedElsewhere, type TakeOvers } from './take-over.js';
import type { TokenAuth } from './token-auth.js';
import type { ProxyEvents } from '../events/proxy-events.js';

/** Take-overs of one session lost to another proxy before an HTTP request gives up (each loss means the session moved). */
const MAX_TAKE_OVER_RACES = 3;
const KNOWN_VERBS = new Set(['info', 'ping', 'create', 'attach', 'keepalive', 'claim', 'destroy', 'message', 'trickle', 'detach', 'hangup']);

/**
 * The requester's Sink, reporting its first message (the reply) to the observer. Ownership
 * (create, claim) still goes to the real Sink. A class rather than closures: one allocation per request.
 */
class ObservedSink implements Sink {
  private readonly startedAt = performance.now();
  private reported = false;
  private readonly verb: string;

  constructor(
    private readonly sink: Sink,
    requestedVerb: string,
    private readonly observer: RequestObserver,
  ) {
    // Unknown verbs share one label: clients must not be able to grow the metric without bound.
    this.verb = KNOWN_VERBS.has(requestedVerb) ? requestedVerb : 'other';
  }

  get transport(): Sink['transport'] {
    return this.sink.transport;
  }

  ownerFor(sessionId: number): Sink {
    return this.sink.ownerFor?.(sessionId) ?? this.sink;
  }

  get id(): string {
    return this.sink.id;
  }

  get open(): boolean {
    return this.sink.open;
  }

  get origin(): Sink['origin'] {
    return this.sink.origin;
  }


  send(msg: OutgoingMessage): void {
    if (!this.reported) this.report(msg.janus === 'error' ? (msg.error as { code?: number } | undefined)?.code : undefined);
    this.sink.send(msg);
  }

  /** A reply already in compact JSON; never an error (errors are sent as objects). */
  sendJson(json: string): void {
    if (!this.reported) this.report(undefined);
    if (this.sink.sendJson) this.sink.sendJson(json);
    else this.sink.send(JSON.parse(json) as OutgoingMessage);
  }

  private report(error: number | undefined): void {
    this.reported = true;
    this.observer.onReply(this.verb, error, performance.now() - this.startedAt);
  }
}

export interface DispatcherOptions {
  apiSecret: string | undefined;
  serverName: string;
  sessionTimeoutS: number;
  reclaimSessionTimeoutS: number;
  transports: Record<string, Record<string, unknown>>;
  logger: Logger;
  observer?: RequestObserver | undefined;
  /** Janus's accept_new_sessions (Admin API); true unless set. */
  acceptNewSessions?: boolean;
}

/**
 * Sends a request for a session another live proxy holds to that proxy; the reply comes back on
 * `sink`. Resolves false when that proxy no longer listens (then nothing is sent on `sink`).
 */
export interface SessionForwarder {
  forward(owner: string, payload: JsonObject, sink: Sink): Promise<boolean>;
}

export interface DispatchDeps {
  sessions: Sessions;
  plugins: PluginRegistry;
  cluster: Cluster;
  /** Durable session records and take-over from other proxies (absent: this proxy's memory only). */
  records?: SessionStore | undefined;
  takeOvers?: TakeOvers | undefined;
  /** HTTP requests for sessions held by another live proxy (set once the HTTP transport runs). */
  forwarder?: SessionForwarder | undefined;
  /** Janus's `token_auth`; undefined when it is off. */
  tokenAuth?: TokenAuth | undefined;
  /** The proxy's own events for the event stream. */
  events?: ProxyEvents | undefined;
}

export class Dispatcher {
  constructor(
    private readonly deps: DispatchDeps,
    private readonly options: DispatcherOptions,
  ) {}

  /** HTTP requests for other proxies' sessions go through `forwarder` from now on. */
  setForwarder(forwarder: SessionForwarder): void {
    this.deps.forwarder = forwarder;
  }

  /** Handles one decoded request. Never throws; the reply is sent on `sink`. */
  dispatch(payload: unknown, sink: Sink): void {
    let request: ClientRequest;
    try {
      request = parseEnvelope(payload);
    } catch (err) {
      const e = err instanceof EnvelopeError ? err : new EnvelopeError(C.UNKNOWN, 'Internal proxy error', undefined, undefined);
      this.options.observer?.onReply('invalid', e.code, 0);
      sink.send(errorReply(e.code, e.reason, e.sessionId, e.transaction));
      return;
    }
    if (this.options.observer) sink = new ObservedSink(sink, request.verb, this.options.observer);
    try {
      const pending = this.route(request, sink);
      if (pending) this.replyLater(pending, request, sink);
    } catch (err) {
      this.replyError(err, request, sink);
    }
  }

  private replyLater(pending: Promise<OutgoingMessage | undefined>, request: ClientRequest, sink: Sink): void {
    pending.then(
      (reply) => {
        if (reply) sink.send(reply);
      },
      (err: unknown) => {
        this.replyError(err, request, sink);
      },
    );
  }

  /** The error reply for a request that failed (thrown or rejected). */
  private replyError(err: unknown, request: ClientRequest, sink: Sink): void {
    this.sendError(err, request.level === 'root' ? undefined : request.sessionId, request.transaction, sink);
  }

  /** The error reply to the request `transaction` (of session `sessionId`); used by direct handle messages too. */
  sendError(err: unknown, sessionId: number | undefined, transaction: string, sink: Sink): void {
    const unavailable = err instanceof StoreUnavailableError;
    const e = unavailable ? new JanusError(C.UNKNOWN, STORE_UNAVAILABLE_REASON) : toJanusError(err);
    if (unavailable) this.options.logger.warn({ err: err.message }, 'request failed: the session store is unreachable');
    else if (!(err instanceof JanusError)) this.options.logger.error({ err }, 'request failed unexpectedly');
    sink.send(errorReply(e.code, e.reason, sessionId, transaction));
  }

  /** Returns the reply, or a promise of it. Synchronous throws and rejections become error replies. */
  private route(request: ClientRequest, sink: Sink): Promise<OutgoingMessage | undefined> | undefined {
    if (request.level === 'root') {
      if (request.verb === 'create' && this.deps.records) {
        const requested = typeof request.raw.id === 'number' && request.raw.id > 0 ? request.raw.id : undefined;
        return this.createRecorded(requested, request.transaction, request.raw, sink);
      }
      sink.send(this.root(request.verb, request.transaction, request.raw, sink));
      return undefined;
    }
    if (!this.authorized(request.raw)) throw new JanusError(C.UNAUTHORIZED);
    // A request (e.g. an HTTP POST next to the long poll that started it) for a session being taken
    // over here waits until its handles are restored, then goes its usual way.
    const takingOver = this.deps.takeOvers?.pending(request.sessionId);
    if (takingOver) return takingOver.then(() => this.route(request, sink), () => this.route(request, sink));
    const session = this.deps.sessions.get(request.sessionId);
    if (!session) return this.takeOver(request, sink);
    this.deps.sessions.touch(session);
    if (request.level === 'handle') return this.handleLevel(request, session, sink);
    return this.sessionLevel(request, session, sink);
  }

  private root(verb: 'info' | 'ping' | 'create', transaction: string, raw: JsonObject, sink: Sink): OutgoingMessage {
    switch (verb) {
      case 'info':
        return serverInfo(transaction, this.infoInputs());
      case 'ping':
        return { janus: 'pong', transaction };
      case 'create': {
        if (this.options.acceptNewSessions === false) return errorReply(C.NOT_ACCEPTING_SESSIONS, 'Currently not accepting new sessions', undefined, transaction);
        if (!this.authorized(raw)) return errorReply(C.UNAUTHORIZED, 'Unauthorized request (wrong or missing secret/token)', undefined, transaction);
        const id = raw.id;
        const requested = typeof id === 'number' && id > 0 ? id : undefined;
        if (requested !== undefined && this.deps.sessions.has(requested)) {
          return errorReply(C.SESSION_CONFLICT, 'Session ID already in use', requested, transaction);
        }
        const session = this.deps.sessions.create(sink, requested, this.identity(raw));
        return { janus: 'success', transaction, data: { id: session.id } };
      }
    }
  }

  /**
   * `create` with a shared store: the session is answered only once its record is written (a
   * client-chosen id must also be free in the whole cluster). While the store cannot be reached the
   * client gets error 490 at once (the store's commands fail fast), never a session that could not
   * be taken over later.
   */
  private async createRecorded(requested: number | undefined, transaction: string, raw: JsonObject, sink: Sink): Promise<OutgoingMessage> {
    const records = this.deps.records;
    if (this.options.acceptNewSessions === false || !this.authorized(raw) || !records) return this.root('create', transaction, raw, sink);
    const identity = this.identity(raw);
    const id = requested ?? uniqueId<ClientSessionId>((c) => this.deps.sessions.has(c));
    if (this.deps.sessions.has(id)) return errorReply(C.SESSION_CONFLICT, 'Session ID already in use', id, transaction);
    let created: boolean;
    try {
      created = await records.create(this.deps.sessions.recordOf(id, sink, identity));
    } catch (err) {
      this.options.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'create refused: the session store is unreachable');
      return errorReply(C.UNKNOWN, STORE_UNAVAILABLE_REASON, undefined, transaction);
    }
    if (!created || this.deps.sessions.has(id)) return errorReply(C.SESSION_CONFLICT, 'Session ID already in use', id, transaction);
    const session = this.deps.sessions.create(sink, id, identity, true);
    return { janus: 'success', transaction, data: { id: session.id } };
  }

  /**
   * Who a request comes from, for a session record (checked again on claim): the api secret or the
   * token that authorizes it, hashed; '' when neither is configured.
   */
  identity(raw: JsonObject): string {
    const { apiSecret } = this.options;
    if (apiSecret !== undefined && raw.apisecret === apiSecret) return authIdentity(apiSecret);
    if (this.deps.tokenAuth && typeof raw.token === 'string') return authIdentity(raw.token, 'token');
    return '';
  }

  /**
   * A request for a session this proxy does not hold. A `claim` takes it over from its record
   * (another proxy's, dead or alive); anything else is answered as Janus does: no such session.
   */
  private takeOver(request: SessionRequest | HandleRequest, sink: Sink): Promise<OutgoingMessage | undefined> {
    const takeOvers = this.deps.takeOvers;
    // HTTP only: any proxy may serve an HTTP request, while a WebSocket client moves by `claim` alone.
    if (request.verb !== 'claim' && sink.transport === 'http' && takeOvers) return this.elsewhere(request, sink, takeOvers);
    if (request.verb !== 'claim' || !takeOvers) throw new JanusError(C.SESSION_NOT_FOUND, `No such session ${request.sessionId}`);
    return takeOvers.claim(request.sessionId, sink, this.identity(request.raw)).then((session) => {
      if (request.level === 'handle' && !session.handles.has(request.handleId as never)) {
        throw new JanusError(C.HANDLE_NOT_FOUND, `No such handle ${request.handleId} in session ${session.id}`);
      }
      return successReply(session.id, request.transaction);
    });
  }

  private sessionLevel(request: SessionRequest, session: Session, sink: Sink): Promise<OutgoingMessage | undefined> | undefined {
    const { verb, transaction } = request;
    switch (verb) {
      case 'keepalive':
        sink.send({ janus: 'ack', session_id: session.id, transaction });
        return undefined;
      case 'claim':
        this.deps.sessions.claim(session, sink);
        sink.send(successReply(session.id, transaction));
        return undefined;
      case 'destroy':
        // Requests that arrived before the destroy (e.g. janus.js's detach right before it) are answered first.
        return session.idle().then(() => {
          if (!session.alive) throw new JanusError(C.SESSION_NOT_FOUND, `No such session ${session.id}`);
          this.deps.sessions.destroy(session);
          return successReply(session.id, transaction);
        });
      case 'attach':
        return attach(request.raw, session, this.deps, transaction);
      case 'message':
      case 'trickle':
      case 'detach':
      case 'hangup':
        throw new JanusError(C.INVALID_REQUEST_PATH, `Unhandled request '${verb}' at this path`);
      default:
        throw new JanusError(C.UNKNOWN_REQUEST, `Unknown request '${verb}'`);
    }
  }

  private handleLevel(request: HandleRequest, session: Session, sink: Sink): Promise<OutgoingMessage | undefined> | undefined {
    const handle = session.handle(request.handleId);
    if (!handle) throw new JanusError(C.HANDLE_NOT_FOUND, `No such handle ${request.handleId} in session ${session.id}`);
    switch (request.verb) {
      case 'keepalive':
      case 'claim':
        return this.sessionLevel({ level: 'session', verb: request.verb, sessionId: request.sessionId, transaction: request.transaction, raw: request.raw }, session, sink);
      case 'attach':
      case 'destroy':
        throw new JanusError(C.INVALID_REQUEST_PATH, `Unhandled request '${request.verb}' at this path`);
      default:
        return handleVerb(request, session, handle, sink, this.deps, this);
    }
  }

  /**
   * An HTTP request for a session this proxy does not hold (no sticky load balancing): forwarded to
   * its live owner and answered from there, or, when the owner is dead, taken over and served here.
   */
  private async elsewhere(request: SessionRequest | HandleRequest, sink: Sink, takeOvers: TakeOvers): Promise<OutgoingMessage | undefined> {
    const { records, forwarder } = this.deps;
    // A request and a long poll of one session reaching two proxies may both find its owner dead:
    // the one that loses the take-over forwards to the winner rather than failing.
    for (let attempt = 1; ; attempt++) {
      const record = await records?.get(request.sessionId);
      if (!record || !records || !forwarder) throw new JanusError(C.SESSION_NOT_FOUND, `No such session ${request.sessionId}`);
      if (record.owner !== records.proxyId && (await records.isAlive(record.owner)) && (await forwarder.forward(record.owner, request.raw, sink))) {
        return undefined;
      }
      // Its owner is dead, or no one listens there any more (killed, its lease not yet expired).
      let session: Session;
      try {
        session = await takeOvers.claim(request.sessionId, sink, this.identity(request.raw), { onlyFrom: record.owner });
      } catch (err) {
        if (err instanceof ClaimedElsewhere && attempt < MAX_TAKE_OVER_RACES) continue;
        throw err;
      }
      this.deps.sessions.touch(session);
      return request.level === 'handle' ? this.handleLevel(request, session, sink) : this.sessionLevel(request, session, sink);
    }
  }

  /** Janus Admin API settings of the proxy itself (accept_new_sessions, set_session_timeout). */
  configure(settings: { acceptNewSessions?: boolean; sessionTimeoutS?: number }): void {
    if (settings.acceptNewSessions !== undefined) this.options.acceptNewSessions = settings.acceptNewSessions;
    if (settings.sessionTimeoutS !== undefined) this.options.sessionTimeoutS = settings.sessionTimeoutS;
  }

  /** The proxy's `server_info`, without a transaction (admin API `GET /info`). */
  info(): OutgoingMessage {
    const { transaction: _unused, ...info } = serverInfo('', this.infoInputs());
    return info;
  }

  /** As Janus: with an API secret and/or token auth on, either a right secret or a valid token will do. */
  private authorized(raw: JsonObject): boolean {
    const { apiSecret } = this.options;
    const tokens = this.deps.tokenAuth;
    if (apiSecret === undefined && !tokens) return true;
    if (apiSecret !== undefined && raw.apisecret === apiSecret) return true;
    return tokens !== undefined && typeof raw.token === 'string' && tokens.checkToken(raw.token);
  }

  private infoInputs(): ServerInfoInputs {
    return {
      serverName: this.options.serverName,
      sessionTimeoutS: this.options.sessionTimeoutS,
      reclaimSessionTimeoutS: this.options.reclaimSessionTimeoutS,
      apiSecret: this.options.apiSecret !== undefined,
      authToken: this.deps.tokenAuth !== undefined,
      acceptingNewSessions: this.options.acceptNewSessions !== false,
      plugins: Object.assign({}, this.deps.cluster.plugins(), this.deps.plugins.standalone()),
      transports: this.options.transports,
    };
  }
}
