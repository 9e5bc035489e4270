/** One plugin handle on a backend Janus, owned by exactly one proxy plugin handle. */
import type { BackendSession } from './backend-session.js';
import type { BackendHandleId } from '../protocol/ids.js';
import type { JsonObject } from '../protocol/messages.js';
import type { ReplyReceiver } from './pending-requests.js';
import type { RelayedEvent } from '../protocol/relayed-event.js';
import { idHigh, idLow, type SplitId } from '../protocol/id-map.js';

export interface BackendHandleListener {
  /** An event whose `sender` is this handle (plugin events and core notifications). */
  onBackendEvent(msg: JsonObject): void;
  /** A plugin event not parsed (see BackendSessionRoute.onRelayedEvent); without it, events come parsed. */
  onRelayedEvent?(event: RelayedEvent): boolean;
  /** Whether it takes plugin events unparsed now; without it, never. */
  takesRelayedEvents?(): boolean;
  /** The handle is gone without a `detached` from Janus (backend or its session lost). */
  onBackendLost(): void;
}

export class BackendHandle implements SplitId {
  listener: BackendHandleListener | undefined;
  private gone = false;
  /** The id as JSON writes it, made once (a plugin message's frame is written around it). */
  private readonly idText: string;
  readonly idLow: number;
  readonly idHigh: number;

  constructor(
    readonly id: BackendHandleId,
    readonly session: BackendSession,
    readonly plugin: string,
  ) {
    this.idText = String(id);
    this.idLow = idLow(id);
    this.idHigh = idHigh(id);
  }

  get alive(): boolean {
    return !this.gone && this.session.alive;
  }

  get backendUrl(): string {
    return this.session.pool.url;
  }

  message(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      this.sendMessage(body, jsep, transaction, { resolve, reject });
    });
  }

  /** `message` without a Promise: `receiver` gets Janus's ack/success or the error, exactly once. */
  sendMessage(body: JsonObject, jsep: JsonObject | undefined, transaction: string, receiver: ReplyReceiver): void {
    if (jsep === undefined) {
      // The frame written around the serialised body (messageFrame): JSON.stringify of the whole
      // message object cost ~0.35 µs more per message (README, Benchmarks).
      this.session.sendMessageFrame(this.idText, JSON.stringify(body), transaction, receiver);
      return;
    }
    // session_id in the literal, not added by the session: a key added later changes the object's shape.
    const msg: JsonObject = { janus: 'message', session_id: this.session.id, transaction, handle_id: this.id, body, jsep };
    this.session.send(msg, receiver);
  }

  trickle(payload: { candidate?: unknown; candidates?: unknown }): Promise<JsonObject> {
    return this.session.request({ janus: 'trickle', handle_id: this.id, ...payload });
  }

  hangup(): Promise<JsonObject> {
    return this.session.request({ janus: 'hangup', handle_id: this.id });
  }

  async detach(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    this.session.handles.delete(this.id);
    if (this.session.state === 'active') {
      await this.session.request({ janus: 'detach', handle_id: this.id }).catch(() => undefined);
    }
  }

  onEvent(msg: JsonObject): void {
    if (this.gone) return;
    if (msg.janus === 'detached') {
      this.gone = true;
      this.session.handles.delete(this.id);
    }
    this.listener?.onBackendEvent(msg);
  }

  takesRelayedEvents(): boolean {
    return !this.gone && this.listener?.takesRelayedEvents?.() === true;
  }

  /** As onEvent for a plugin event not parsed; false: the listener wants it parsed. */
  onRelayedEvent(event: RelayedEvent): boolean {
    if (this.gone) return true;
    const listener = this.listener;
    if (listener === undefined) return true;
    return listener.onRelayedEvent?.(event) ?? false;
  }

  onLost(): void {
    if (this.gone) return;
    this.gone = true;
    this.listener?.onBackendLost();
  }
}
