/**
 * The part of a client plugin handle that talks to one backend handle: client transactions of
 * requests still waiting for their event, event forwarding with the transaction restored, and what
 * happens when Janus detaches the handle or the backend is lost. Used by the verbatim relay and by
 * cluster-aware plugins (videoroom) alike.
 */
import type { PluginContext } from './plugin.js';
import type { Placement } from '../cluster/cluster.js';
import type { BackendHandle, BackendHandleListener } from '../backend/backend-handle.js';
import { PendingReply, type ReplyReceiver } from '../backend/pending-requests.js';
import { nextBackendTransaction } from '../protocol/ids.js';
import type { JsonObject } from '../protocol/messages.js';
import type { RelayedEvent } from '../protocol/relayed-event.js';
import { isBackendFailure, ProxyErrors } from '../protocol/errors.js';

/** Transactions of async requests still waiting for their event; bounded so a silent plugin cannot leak. */
const MAX_OPEN_TRANSACTIONS = 64;
const MAX_PLACEMENT_ATTEMPTS = 3;
export const BACKEND_LOST_REASON = 'Janus backend lost';

/** An async request whose event has not arrived yet, with whatever its sender attached to it. */
export interface OpenRequest<T> {
  clientTransaction: string;
  tag: T;
}

/**
 * A plugin message on its way: the open-transaction entry its event is matched against, the
 * receiver of Janus's answer to it and its entry in the pending table — one object per message on
 * the relay path, no closures.
 */
class OpenCall<T> extends PendingReply implements OpenRequest<T> {
  constructor(
    /** Sending order on its link: which open request is the oldest. */
    readonly order: number,
    readonly clientTransaction: string,
    readonly tag: T,
    private readonly link: BackendLink<T>,
    private readonly backendTransaction: string,
    private readonly receiver: ReplyReceiver,
  ) {
    super();
  }

  resolve(reply: JsonObject): void {
    // An `ack` means the event is still to come; anything else answered the request for good.
    if (reply.janus !== 'ack') this.link.forgetRequest(this.backendTransaction);
    this.receiver.resolve(reply);
  }

  reject(err: Error): void {
    this.link.forgetRequest(this.backendTransaction);
    this.receiver.reject(err);
  }
}

export interface BackendLinkListener<T> {
  /** A message from the backend handle, its transaction already the client's (or removed). */
  onEvent(msg: JsonObject, request: OpenRequest<T> | undefined): void;
  /** A plugin event passed on unparsed (the verbatim relay); without it, every event comes to onEvent. */
  onRelayedEvent?(event: RelayedEvent, request: OpenRequest<T> | undefined): void;
  /** Janus detached the handle by itself. */
  onDetached(): void;
  /** The backend, or this client's session on it, is gone. */
  onLost(): void;
}

export class BackendLink<T = undefined> implements BackendHandleListener {
  /** Open requests; the usual single one is kept in the two fields below instead (no map touched per message). */
  private readonly open = new Map<string, OpenCall<T>>();
  private soleTransaction: string | undefined;
  private soleRequest: OpenCall<T> | undefined;
  private sent = 0;
  /** Whether Janus may hold a PeerConnection for this handle (an SDP went either way, or webrtcup). */
  hadPeerConnection = false;
  private closed = false;

  constructor(
    readonly handle: BackendHandle,
    private readonly listener: BackendLinkListener<T>,
    private readonly release: () => void = () => undefined,
  ) {
    handle.listener = this;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends a plugin message; resolves with Janus's `ack` or `success` (errors reject). */
  message(body: JsonObject, jsep: JsonObject | undefined, clientTransaction: string, tag: T): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      this.send(body, jsep, clientTransaction, tag, { resolve, reject });
    });
  }

  /** `message` without a Promise (the relay path): `receiver` gets Janus's `ack`/`success` or the error, once. */
  send(body: JsonObject, jsep: JsonObject | undefined, clientTransaction: string, tag: T, receiver: ReplyReceiver): void {
    const transaction = nextBackendTransaction();
    const call = new OpenCall(this.sent++, clientTransaction, tag, this, transaction, receiver);
    this.remember(transaction, call);
    if (jsep !== undefined) this.hadPeerConnection = true;
    this.handle.sendMessage(body, jsep, transaction, call);
  }

  /** The request's answer came and no event is to follow (or it failed). */
  forgetRequest(backendTransaction: string): void {
    if (backendTransaction === this.soleTransaction) {
      this.soleTransaction = undefined;
      this.soleRequest = undefined;
    } else this.open.delete(backendTransaction);
  }

  private openRequest(backendTransaction: string): OpenRequest<T> | undefined {
    return backendTransaction === this.soleTransaction ? this.soleRequest : this.open.get(backendTransaction);
  }

  async trickle(request: { candidate?: unknown; candidates?: unknown }): Promise<void> {
    await this.handle.trickle(request);
  }

  async hangup(): Promise<void> {
    await this.handle.hangup();
  }

  /** Stops listening and detaches the handle on the backend. */
  async detach(): Promise<void> {
    this.close();
    await this.handle.detach();
  }

  /** Stops listening without telling the backend (the client session is going away anyway). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.listener = undefined;
    this.release();
  }

  onBackendEvent(msg: JsonObject): void {
    if (this.closed) return;
    if (msg.janus === 'detached') {
      this.close();
      this.listener.onDetached();
      return;
    }
    if (msg.janus === 'webrtcup' || (msg.janus === 'event' && msg.jsep !== undefined)) this.hadPeerConnection = true;
    let request: OpenRequest<T> | undefined;
    const backendTransaction = msg.transaction;
    if (typeof backendTransaction === 'string') {
      request = this.openRequest(backendTransaction);
      if (request !== undefined && msg.janus === 'event') this.forgetRequest(backendTransaction);
      if (request === undefined) delete msg.transaction;
      else msg.transaction = request.clientTransaction;
    }
    this.listener.onEvent(msg, request);
  }

  takesRelayedEvents(): boolean {
    return !this.closed && this.listener.onRelayedEvent !== undefined;
  }

  /** onBackendEvent for an unparsed plugin event (no jsep: RelayedEvent declines those); false: parse it. */
  onRelayedEvent(event: RelayedEvent): boolean {
    if (this.closed) return true;
    if (!this.listener.onRelayedEvent) return false;
    const backendTransaction = event.transaction;
    const request = backendTransaction === undefined ? undefined : this.openRequest(backendTransaction);
    if (request !== undefined) this.forgetRequest(backendTransaction as string);
    this.listener.onRelayedEvent(event, request);
    return true;
  }

  onBackendLost(): void {
    if (this.closed) return;
    this.close();
    this.listener.onLost();
  }

  private remember(backendTransaction: string, call: OpenCall<T>): void {
    if (this.open.size + (this.soleRequest === undefined ? 0 : 1) >= MAX_OPEN_TRANSACTIONS) this.forgetOldest();
    if (this.soleTransaction === undefined) {
      this.soleTransaction = backendTransaction;
      this.soleRequest = call;
      return;
    }
    this.open.set(backendTransaction, call);
  }

  /** At the bound: the oldest open request goes, whether it is the one held apart or the map's first. */
  private forgetOldest(): void {
    const [oldestInMap] = this.open;
    const sole = this.soleRequest;
    if (sole !== undefined && (oldestInMap === undefined || sole.order < oldestInMap[1].order)) {
      this.soleTransaction = undefined;
      this.soleRequest = undefined;
    } else if (oldestInMap !== undefined) this.open.delete(oldestInMap[0]);
  }
}

/**
 * Attaches a handle for `ctx.plugin` on the backend `choose` picks, skipping backends that fail on
 * the way (connection lost, no answer) so that one dying Janus does not fail the attach.
 */
export async function attachPlaced(
  ctx: PluginContext,
  choose: (failed: ReadonlySet<string>) => Placement | undefined,
): Promise<{ handle: BackendHandle; placement: Placement }> {
  const failed = new Set<string>();
  let lastError: Error | undefined; // made only when needed: an Error captures a stack trace
  for (let attempt = 0; attempt < MAX_PLACEMENT_ATTEMPTS; attempt++) {
    const placement = choose(failed);
    if (!placement) break;
    try {
      const session = ctx.backendSession(placement.backend);
      const handle = await session.attach(ctx.plugin, ctx.opaqueId);
      if (ctx.logs('debug')) ctx.logger.debug({ backend: placement.backend.name, backendHandle: handle.id }, 'handle placed');
      return { handle, placement };
    } catch (err) {
      placement.release();
      if (!isBackendFailure(err)) throw err;
      ctx.logger.warn({ backend: placement.backend.name, err: (err as Error).message }, 'placement failed, trying another backend');
      failed.add(placement.backend.name);
      lastError = err as Error;
    }
  }
  throw lastError ?? ProxyErrors.noBackendAvailable(ctx.plugin);
}
