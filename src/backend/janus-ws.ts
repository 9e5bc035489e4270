/**
 * A small request/reply client for one WebSocket to a Janus, on either the Janus API
 * (`janus-protocol`) or the Admin API (`janus-admin-protocol`): the sentinel's liveness, load,
 * drain and sweeper, and the proxy's Janus Admin API use it. Requests go through the backend's one
 * pending-request table, so each settles exactly once: on its reply, on its deadline, or when the
 * socket closes. The proxy's pooled connections (connection.ts) add routing of events and batching.
 */
import WebSocket from 'ws';
import { ProxyErrors } from '../protocol/errors.js';
import { frameText } from '../protocol/frames.js';
import { nextBackendTransaction } from '../protocol/ids.js';
import { isJsonObject, type JsonObject } from '../protocol/messages.js';
import { PendingRequests, isSettlingReply } from './pending-requests.js';
import { Signal } from '../signal.js';

export type JanusSubprotocol = 'janus-protocol' | 'janus-admin-protocol';

export class JanusWs {
  private readonly pending = new PendingRequests();
  /** Told once, when the socket has closed; a throwing listener is skipped. */
  private readonly closed = new Signal<void>();
  private open = true;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => { this.onFrame(data); });
    ws.on('close', () => { this.socketClosed(); });
    ws.on('error', () => undefined); // followed by 'close'
  }

  /** Opens the socket; rejects when the handshake fails or takes longer than timeoutMs. */
  static connect(url: string, protocol: JanusSubprotocol, timeoutMs: number): Promise<JanusWs> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocol, { handshakeTimeout: timeoutMs, perMessageDeflate: false });
      const fail = (err: Error): void => {
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        reject(err);
      };
      ws.once('open', () => {
        ws.removeAllListeners();
        resolve(new JanusWs(ws));
      });
      ws.once('error', fail);
      ws.once('close', () => { fail(new Error(`${url} closed during the handshake`)); });
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  /**
   * `listener` is called once, when the socket has closed for any reason (a throwing listener is
   * skipped). Returns a function that removes it.
   */
  onClosed(listener: () => void): () => void {
    return this.closed.on(listener);
  }

  /**
   * Sends `msg` with a fresh transaction. An `error` reply rejects with Janus's code and reason (a
   * JanusError); no reply in time or the socket closed rejects with ProxyErrors.backendTimeout() or
   * backendLost() (isBackendFailure tells them apart from Janus's own errors).
   */
  request(msg: JsonObject, timeoutMs: number): Promise<JsonObject> {
    if (!this.open) return Promise.reject(ProxyErrors.backendLost());
    const transaction = nextBackendTransaction();
    // Encoded before the entry exists: a request that cannot be encoded leaves nothing pending.
    const frame = JSON.stringify(Object.assign({}, msg, { transaction }));
    const reply = this.pending.add(transaction, timeoutMs);
    this.ws.send(frame);
    return reply;
  }

  close(): void {
    this.ws.terminate();
    this.socketClosed();
  }

  private onFrame(data: WebSocket.RawData): void {
    let msg: unknown;
    try {
      msg = JSON.parse(frameText(data));
    } catch {
      return; // Janus only sends JSON; anything else is noise we cannot attribute
    }
    if (!isJsonObject(msg) || typeof msg.transaction !== 'string' || typeof msg.janus !== 'string') return;
    // Plugin `event`s, even with our transaction, do not answer a request; unknown transactions are dropped.
    if (isSettlingReply(msg)) this.pending.settle(msg.transaction, msg);
  }

  private socketClosed(): void {
    if (!this.open) return;
    this.open = false;
    this.pending.clear(); // rejects what is still pending with backendLost() and stops the sweep
    this.closed.emit();
    this.closed.clear();
  }
}
