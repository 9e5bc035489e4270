/**
 * One WebSocket connection to a backend Janus. It owns the pending-request table and routes
 * everything that is not a reply to the backend session it belongs to, by id.
 */
import WebSocket from 'ws';
import type { Logger } from 'pino';
import { nextBackendTransaction, type BackendSessionId } from '../protocol/ids.js';
import { IdMap, type SplitId } from '../protocol/id-map.js';
import { isJsonObject, messageFrame, type JsonObject } from '../protocol/messages.js';
import { JanusError, JanusErrorCode, ProxyErrors } from '../protocol/errors.js';
import { PendingRequests, isSettlingReply, type ReplyReceiver } from './pending-requests.js';
import { frameRequests, frameText, NOT_ONE_VALUE, oneValue } from '../protocol/frames.js';
import { BatchedSender } from '../protocol/write-batching.js';
import { RelayedEvent } from '../protocol/relayed-event.js';
import { readAck } from '../protocol/ack-frame.js';
import { Signal } from '../signal.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** What a backend session exposes to the connection that carries it. */
export interface BackendSessionRoute extends SplitId {
  /** The backend session's id on Janus. */
  readonly id: BackendSessionId;
  onBackendMessage(msg: JsonObject): void;
  /**
   * A plugin event not parsed (the relay path). True once it is delivered, or dropped as its parsed
   * form would be; false: nothing happened, deliver it parsed instead.
   */
  onRelayedEvent(event: RelayedEvent): boolean;
  /** Whether the handle `sender` of this session takes its plugin events unparsed (asked before they are scanned in full). */
  takesRelayedEvents(sender: number): boolean;
  onConnectionLost(): void;
  /** Janus answered a request of this session with 458: it no longer has the session (timed out there unseen). */
  onSessionGone(): void;
}

export interface ConnectionOptions {
  url: string;
  apiSecret: string | undefined;
  /** The backend's own `token_auth` token (the proxy's, never a client's). */
  token?: string | undefined;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** WebSocket ping period; a Janus that misses a pong is treated as gone (catches silent network loss). */
  pingIntervalMs: number;
  logger: Logger;
  /** Per request: did the backend answer? Feeds the circuit breaker. */
  onRequestOutcome?: (answered: boolean) => void;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Called with a success reply that arrives after the request timed out, to undo its effect. */
  onLateReply?: (reply: JsonObject) => void;
}

export class BackendConnection {
  state: ConnectionState = 'connecting';
  private ws: WebSocket | undefined;
  private sender: BatchedSender | undefined;
  private readonly pending: PendingRequests;
  private readonly sessions = new IdMap<BackendSessionRoute>();
  /** Told once, when the socket has closed (after its sessions); a throwing listener is logged and skipped. */
  private readonly closed: Signal<void>;
  private pingTimer: NodeJS.Timeout | undefined;
  private awaitingPong = false;

  /** The backend's api secret and token as `send` appends them to a frame, written once. */
  private readonly credentials: string;

  constructor(private readonly options: ConnectionOptions) {
    this.pending = new PendingRequests(options.onRequestOutcome);
    this.credentials = (options.apiSecret === undefined ? '' : `,"apisecret":${JSON.stringify(options.apiSecret)}`) +
      (options.token === undefined ? '' : `,"token":${JSON.stringify(options.token)}`);
    this.closed = new Signal<void>((err) => { options.logger.error({ err }, 'connection close listener failed'); });
  }

  get url(): string {
    return this.options.url;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Requests sent and not settled yet (read-only; component tests check that none is left). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Opens the socket; resolves once open, rejects if it fails or takes too long. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.options.url, 'janus-protocol', {
        handshakeTimeout: this.options.connectTimeoutMs,
        perMessageDeflate: false,
        // Janus (jansson) only writes valid UTF-8; a client's frames are still checked, as Janus does.
        skipUTF8Validation: true,
      });
      this.ws = ws;
      this.sender = new BatchedSender(ws);
      ws.on('open', () => {
        this.state = 'open';
        this.startPing(ws);
        resolve();
      });
      ws.on('pong', () => {
        this.awaitingPong = false;
      });
      ws.on('message', (data: WebSocket.RawData) => {
        this.onFrame(data);
      });
      ws.on('error', (err) => {
        this.options.logger.debug({ err: err.message }, 'backend socket error');
        if (this.state === 'connecting') {
          this.options.onRequestOutcome?.(false);
          reject(err);
        }
      });
      ws.on('close', () => {
        const wasConnecting = this.state === 'connecting';
        this.state = 'closed';
        if (wasConnecting) reject(new Error('connection closed during handshake'));
        this.onClosed();
      });
    });
  }

  onClose(listener: () => void): void {
    this.closed.on(listener);
  }

  /** Routes the messages of backend session `route.id` to it. */
  register(route: BackendSessionRoute): void {
    this.sessions.set(route);
  }

  unregister(id: BackendSessionId): void {
    this.sessions.delete(id);
  }

  /** Sends a request and resolves with its reply (`error` replies reject with Janus's code). */
  request(msg: JsonObject, opts: RequestOptions = {}): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      this.send(msg, { resolve, reject }, opts);
    });
  }

  /**
   * `request` without a Promise, for the relay path: `receiver` gets the reply, or the error, exactly
   * once — at once (before this returns) when the request cannot be sent.
   */
  send(msg: JsonObject, receiver: ReplyReceiver, opts: RequestOptions = {}): void {
    const sender = this.sender;
    if (this.state !== 'open' || !sender) {
      receiver.reject(ProxyErrors.backendLost());
      return;
    }
    const transaction = typeof msg.transaction === 'string' ? msg.transaction : nextBackendTransaction();
    msg.transaction = transaction;
    if (this.options.apiSecret !== undefined) msg.apisecret = this.options.apiSecret;
    if (this.options.token !== undefined) msg.token = this.options.token;
    let frame: string;
    try {
      frame = JSON.stringify(msg);
    } catch {
      receiver.reject(new JanusError(JanusErrorCode.INVALID_JSON, 'Invalid Janus API request - cannot be encoded'));
      return;
    }
    this.pending.addReceiver(transaction, opts.timeoutMs ?? this.options.requestTimeoutMs, receiver, opts.onLateReply);
    sender.send(frame);
  }

  /**
   * `send` of a plugin message without jsep whose body is already JSON text: the frame is written
   * around it (messageFrame), in the key order `send` gives the same message.
   */
  sendMessageFrame(sessionIdText: string, handleIdText: string, body: string, transaction: string, receiver: ReplyReceiver): void {
    const sender = this.sender;
    if (this.state !== 'open' || !sender) {
      receiver.reject(ProxyErrors.backendLost());
      return;
    }
    const frame = messageFrame(sessionIdText, handleIdText, transaction, body, this.credentials);
    this.pending.addReceiver(transaction, this.options.requestTimeoutMs, receiver, undefined);
    sender.send(frame);
  }

  close(): void {
    this.ws?.close();
    this.ws?.terminate();
  }

  private onFrame(data: WebSocket.RawData): void {
    // Any JSON layout Janus's `json` option gives (indented, plain, compact), and several messages
    // in one frame should a backend ever pack them. A trailing newline is no reason to lose an event.
    const text = frameText(data);
    // The two frames each relayed message brings, read without JSON.parse when they have their usual shape.
    const event = RelayedEvent.scan(text, this.takesRelayed);
    const route = this.scannedRoute;
    this.scannedRoute = undefined;
    if (event !== undefined && this.relayEvent(event, route)) return;
    const ack = event === undefined ? readAck(text) : undefined;
    if (ack !== undefined) {
      this.onMessage(ack);
      return;
    }
    const single = oneValue(text);
    if (single !== NOT_ONE_VALUE) {
      this.onMessage(single);
      return;
    }
    const parsed = frameRequests(text.trimEnd());
    if ('error' in parsed) {
      this.options.logger.warn({ error: parsed.error }, 'unparseable frame from backend');
      return;
    }
    for (const msg of parsed.requests) this.onMessage(msg);
  }

  /** An error saying Janus no longer has one of the sessions this connection carries: that session is told. */
  private sessionGone(msg: JsonObject): boolean {
    const code = (msg.error as { code?: unknown } | undefined)?.code;
    if (code !== JanusErrorCode.SESSION_NOT_FOUND || typeof msg.session_id !== 'number') return false;
    const route = this.sessions.get(msg.session_id);
    if (!route) return false;
    route.onSessionGone();
    return true;
  }

  private onMessage(msg: unknown): void {
    if (!isJsonObject(msg)) return;
    const transaction = msg.transaction;
    if (typeof transaction === 'string' && isSettlingReply(msg)) {
      if (msg.janus === 'error' && this.sessionGone(msg)) {
        // Janus's 458 names our backend session, never the client's: the request failed with its backend.
        if (this.pending.fail(transaction, ProxyErrors.backendLost())) return;
      } else if (this.pending.settle(transaction, msg)) return;
    }
    const sessionId = msg.session_id;
    if (typeof sessionId !== 'number') return;
    const route = this.sessions.get(sessionId);
    if (!route) return;
    try {
      route.onBackendMessage(msg);
    } catch (err) {
      this.options.logger.error({ err }, 'backend event handler failed');
    }
  }

  /** The route `takesRelayed` found for the event being scanned: onFrame hands it to relayEvent (no second lookup). */
  private scannedRoute: BackendSessionRoute | undefined;

  /** Made once: asked for every event frame. */
  private readonly takesRelayed = (sessionId: number, sender: number): boolean => {
    const route = this.sessions.get(sessionId);
    this.scannedRoute = route;
    return route?.takesRelayedEvents(sender) ?? false;
  };

  /** A plugin event routed without parsing it (an `event` settles no request); false: parse it. */
  private relayEvent(event: RelayedEvent, route: BackendSessionRoute | undefined): boolean {
    if (!route) return true;
    try {
      return route.onRelayedEvent(event);
    } catch (err) {
      this.options.logger.error({ err }, 'backend event handler failed');
      return true;
    }
  }

  private startPing(ws: WebSocket): void {
    if (this.options.pingIntervalMs <= 0) return;
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) {
        this.options.logger.warn('backend missed a pong, dropping the connection');
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      ws.ping();
    }, this.options.pingIntervalMs);
    this.pingTimer.unref();
  }

  private onClosed(): void {
    clearInterval(this.pingTimer);
    this.pending.clear();
    const routes = [...this.sessions.values()];
    this.sessions.clear();
    for (const route of routes) {
      try {
        route.onConnectionLost();
      } catch (err) {
        this.options.logger.error({ err }, 'connection-lost handler failed');
      }
    }
    this.closed.emit();
    this.closed.clear();
  }
}
