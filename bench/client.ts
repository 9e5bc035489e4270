/**
 * A lean Janus API client for the load generator: one WebSocket, compact JSON out, callbacks (not
 * promises) per transaction on the hot path, and the receive time taken before the frame is parsed.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export const JANUS_PROTOCOL = 'janus-protocol';

export interface JanusFrame {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: { id?: number };
  error?: { code?: number; reason?: string };
  plugindata?: unknown;
}

/**
 * Receives every frame that carries the transaction it was registered for. Returns true when it
 * expects no more frames for it (the registration is then dropped).
 */
export type FrameHandler = (frame: JanusFrame, receivedAt: number) => boolean;

/** Frame kinds that answer a request (an `event` may follow an `ack`). */
const REPLY_KINDS = new Set(['success', 'error', 'ack', 'pong', 'server_info']);

export function isReply(frame: JanusFrame): boolean {
  return REPLY_KINDS.has(frame.janus);
}

export class BenchError extends Error {}

export function describeFrame(frame: JanusFrame): string {
  return frame.error ? `${frame.janus} ${String(frame.error.code)} ${frame.error.reason ?? ''}` : JSON.stringify(frame);
}

function frameText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

let clientCounter = 0;

export class BenchClient {
  /** Frames with no registered transaction: events such as `detached`, or late/unknown replies. */
  readonly untracked = new Map<string, number>();
  private readonly handlers = new Map<string, FrameHandler>();
  private readonly prefix: string;
  private seq = 0;
  private isOpen = true;

  private constructor(private readonly ws: WebSocket) {
    this.prefix = `c${(++clientCounter).toString(36).padStart(2, '0')}-`;
    ws.on('message', (data: WebSocket.RawData) => {
      const receivedAt = performance.now();
      this.onFrame(frameText(data), receivedAt);
    });
    ws.on('error', () => undefined); // surfaces as 'close'
    ws.on('close', () => {
      this.onClose();
    });
  }

  static connect(url: string, timeoutMs = 5000): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, JANUS_PROTOCOL, {
        handshakeTimeout: timeoutMs,
        perMessageDeflate: false,
        skipUTF8Validation: true,
      });
      const onError = (err: Error): void => {
        reject(err);
      };
      ws.once('error', onError);
      ws.once('open', () => {
        ws.off('error', onError);
        resolve(new BenchClient(ws));
      });
    });
  }

  get open(): boolean {
    return this.isOpen;
  }

  /** 12 characters, the length janus.js uses (Janode's are 16 digits): short ids are cheaper to parse in V8. */
  nextTransaction(): string {
    return this.prefix + (++this.seq).toString(36).padStart(8, '0');
  }

  /** Sends an already serialised request whose transaction is `transaction`. */
  sendText(text: string, transaction: string, handler: FrameHandler): void {
    if (!this.isOpen) {
      handler({ janus: 'error', transaction, error: { code: -1, reason: 'socket closed' } }, performance.now());
      return;
    }
    this.handlers.set(transaction, handler);
    this.ws.send(text);
  }

  /** One request, resolved with its reply (rejected on `error` or after timeoutMs). For setup, not hot paths. */
  call(request: Record<string, unknown>, timeoutMs = 10_000): Promise<JanusFrame> {
    return new Promise((resolve, reject) => {
      let transaction = '';
      const timer = setTimeout(() => {
        this.handlers.delete(transaction);
        reject(new BenchError(`${String(request.janus)} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      transaction = this.nextTransaction();
      this.sendText(JSON.stringify({ ...request, transaction }), transaction, (frame) => {
        if (!isReply(frame)) return false;
        clearTimeout(timer);
        if (frame.janus === 'error') reject(new BenchError(`${String(request.janus)} failed: ${describeFrame(frame)}`));
        else resolve(frame);
        return true;
      });
    });
  }

  close(): Promise<void> {
    if (!this.isOpen && this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2000);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close();
    });
  }

  private onFrame(text: string, receivedAt: number): void {
    let frame: JanusFrame;
    try {
      frame = JSON.parse(text) as JanusFrame;
    } catch {
      this.count('unparseable');
      return;
    }
    const transaction = frame.transaction;
    const handler = transaction === undefined ? undefined : this.handlers.get(transaction);
    if (transaction === undefined || handler === undefined) {
      this.count(frame.janus);
      return;
    }
    if (handler(frame, receivedAt)) this.handlers.delete(transaction);
  }

  private count(kind: string): void {
    this.untracked.set(kind, (this.untracked.get(kind) ?? 0) + 1);
  }

  private onClose(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    const handlers = [...this.handlers];
    this.handlers.clear();
    const now = performance.now();
    for (const [transaction, handler] of handlers) {
      handler({ janus: 'error', transaction, error: { code: -1, reason: 'socket closed' } }, now);
    }
  }
}
