/**
 * A small request/reply client for one WebSocket to a local Janus, on either the Janus API
 * (`janus-protocol`) or the Admin API (`janus-admin-protocol`). Each request settles exactly once:
 * on its reply, on its deadline, or when the socket closes.
 */
import WebSocket from 'ws';
import { JanusError } from '../protocol/errors.js';
import { frameText } from '../protocol/frames.js';
import { nextBackendTransaction } from '../protocol/ids.js';
import { isJsonObject, type JsonObject } from '../protocol/messages.js';
import { Signal } from './signal.js';

export type JanusSubprotocol = 'janus-protocol' | 'janus-admin-protocol';

/** Reply kinds that answer a request (plugin `event`s, even with our transaction, do not). */
const REPLY_KINDS = new Set(['success', 'error', 'ack', 'pong', 'server_info']);

export class JanusRequestTimeout extends Error {
  override name = 'JanusRequestTimeout';
}

export class JanusConnectionLost extends Error {
  override name = 'JanusConnectionLost';
}

interface Pending {
  resolve(reply: JsonObject): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class JanusWs {
  /** Emitted once, when the socket has closed for any reason. */
  readonly closed = new Signal<void>();
  private readonly pending = new Map<string, Pending>();
  private open = true;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => { this.onFrame(data); });
    ws.on('close', () => { this.onClosed(); });
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
      ws.once('close', () => { fail(new JanusConnectionLost(`${url} closed during the handshake`)); });
    });
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Sends `msg` with a fresh transaction; an `error` reply rejects with Janus's code and reason. */
  request(msg: JsonObject, timeoutMs: number): Promise<JsonObject> {
    if (!this.open) return Promise.reject(new JanusConnectionLost('socket closed'));
    const transaction = nextBackendTransaction();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new JanusRequestTimeout(`no reply to ${String(msg.janus)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(transaction, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ ...msg, transaction }));
    });
  }

  close(): void {
    this.ws.terminate();
    this.onClosed();
  }

  private onFrame(data: WebSocket.RawData): void {
    let msg: unknown;
    try {
      msg = JSON.parse(frameText(data));
    } catch {
      return; // Janus only sends JSON; anything else is noise we cannot attribute
    }
    if (!isJsonObject(msg) || typeof msg.transaction !== 'string' || typeof msg.janus !== 'string') return;
    if (!REPLY_KINDS.has(msg.janus)) return;
    const entry = this.pending.get(msg.transaction);
    if (!entry) return;
    this.pending.delete(msg.transaction);
    clearTimeout(entry.timer);
    if (msg.janus === 'error') entry.reject(errorOf(msg));
    else entry.resolve(msg);
  }

  private onClosed(): void {
    if (!this.open) return;
    this.open = false;
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      entry.reject(new JanusConnectionLost('socket closed'));
    }
    this.closed.emit();
    this.closed.clear();
  }
}

function errorOf(reply: JsonObject): JanusError {
  const error = isJsonObject(reply.error) ? reply.error : {};
  return new JanusError(typeof error.code === 'number' ? error.code : 490, typeof error.reason === 'string' ? error.reason : undefined);
}
