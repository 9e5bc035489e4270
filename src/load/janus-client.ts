// A small promise-based Janus API client, used by the tests and by the janus-load command. It records every frame,
// so assertions can look back: waitFor() searches `frames` from an index, never only "future" events.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

export type JanusMessage = {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  [k: string]: unknown;
};

/** The `data.id` of a `success` (a session or handle id); fails the test when there is none. */
export function idOf(reply: JanusMessage): number {
  const id = (reply.data as { id?: unknown } | undefined)?.id;
  assert.equal(typeof id, 'number', JSON.stringify(reply));
  return id as number;
}

/** Thrown by the helpers when Janus answers with something other than the expected reply. */
export class JanusReplyError extends Error {
  constructor(message: string, readonly reply: JanusMessage) {
    super(`${message}: ${JSON.stringify(reply)}`);
  }
}

const REPLY_KINDS = new Set(['success', 'error', 'ack', 'pong', 'server_info']);

export function newTransaction(): string {
  return randomBytes(9).toString('base64url');
}

/** ws delivers Buffer, Buffer[] (fragments) or ArrayBuffer depending on binaryType. */
export function rawToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.isBuffer(data) ? data.toString() : Buffer.from(data).toString();
}

function isJanusMessage(v: unknown): v is JanusMessage {
  return typeof v === 'object' && v !== null && typeof (v as { janus?: unknown }).janus === 'string';
}

type Waiter = { check: () => boolean };

export class JanusTestClient {
  /** Every parsed frame received, in order. */
  readonly frames: JanusMessage[] = [];
  /** Every frame as received (text), including ones that are not JSON objects. */
  readonly rawFrames: string[] = [];
  /** Resolves when the socket has closed (never rejects). */
  readonly closed: Promise<{ code: number; reason: string }>;
  private closeInfo: { code: number; reason: string } | undefined;
  private rawCursor = 0;
  private readonly waiters = new Set<Waiter>();

  private constructor(private readonly ws: WebSocket, private readonly defaults: Record<string, unknown>) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        this.notify();
      });
    });
    ws.on('error', () => undefined); // surfaced through `closed` and rejected waits
    ws.on('message', (data: WebSocket.RawData) => {
      const text = rawToString(data);
      this.rawFrames.push(text);
      try {
        const parsed: unknown = JSON.parse(text);
        if (isJanusMessage(parsed)) this.frames.push(parsed);
      } catch {
        // Kept in rawFrames only; fuzz tests read those.
      }
      this.notify();
    });
  }

  /** `defaults` are merged into every request (e.g. `{ apisecret }` or `{ token }`). */
  /** `headers`: extra HTTP headers of the WebSocket handshake (e.g. locality hints). */
  static connect(url: string, protocol = 'janus-protocol', defaults: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<JanusTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocol, { handshakeTimeout: 5000, headers });
      ws.once('open', () => {
        ws.removeListener('error', reject);
        resolve(new JanusTestClient(ws, defaults));
      });
      ws.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  /** Index to pass as `since` to waitFor(), taken before the action whose result you will wait for. */
  mark(): number {
    return this.frames.length;
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Send without waiting; returns the transaction used. */
  send(msg: Record<string, unknown>): string {
    const transaction = typeof msg.transaction === 'string' ? msg.transaction : newTransaction();
    this.ws.send(JSON.stringify({ ...this.defaults, ...msg, transaction }));
    return transaction;
  }

  /**
   * First frame matching `pred` with index >= `since`. `since` defaults to the number of frames at the
   * time of the call (only new frames); pass an earlier mark() to include frames that already arrived.
   * Rejects on timeout or when the socket closes without a match.
   */
  waitFor(pred: (m: JanusMessage) => boolean, timeoutMs = 10_000, since = this.frames.length): Promise<JanusMessage> {
    return new Promise((resolve, reject) => {
      let next = since;
      const waiter: Waiter = {
        check: () => {
          for (; next < this.frames.length; next++) {
            const frame = this.frames[next];
            if (frame && pred(frame)) {
              finish();
              resolve(frame);
              return true;
            }
          }
          if (this.closeInfo) {
            finish();
            reject(new Error(`socket closed (${String(this.closeInfo.code)}) while waiting`));
            return true;
          }
          return false;
        },
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching frame within ${String(timeoutMs)} ms`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (!waiter.check()) this.waiters.add(waiter);
    });
  }

  /** Next raw (text) frame not yet returned by this method, waiting for one if needed. */
  async nextRawFrame(timeoutMs = 10_000): Promise<string> {
    if (this.rawCursor >= this.rawFrames.length) {
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          check: () => {
            if (this.rawCursor < this.rawFrames.length || this.closeInfo) {
              clearTimeout(timer);
              this.waiters.delete(waiter);
              if (this.rawCursor < this.rawFrames.length) resolve();
              else reject(new Error('socket closed while waiting for a raw frame'));
              return true;
            }
            return false;
          },
        };
        const timer = setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`no raw frame within ${String(timeoutMs)} ms`));
        }, timeoutMs);
        if (!waiter.check()) this.waiters.add(waiter);
      });
    }
    return this.rawFrames[this.rawCursor++] ?? '';
  }

  /** Resolves with the first success/error/ack/pong/server_info carrying this request's transaction. */
  async request(msg: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<JanusMessage> {
    const since = this.mark();
    const transaction = this.send(msg);
    return this.waitFor((m) => m.transaction === transaction && REPLY_KINDS.has(m.janus), opts.timeoutMs, since);
  }

  /**
   * For asynchronous plugin messages: resolves with the ack and the event of the same transaction,
   * in whichever order they arrive. Throws JanusReplyError if the reply is not an ack.
   */
  async requestWithEvent(msg: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<{ reply: JanusMessage; event: JanusMessage }> {
    const since = this.mark();
    const transaction = this.send(msg);
    const ofTx = (m: JanusMessage): boolean => m.transaction === transaction;
    const reply = await this.waitFor((m) => ofTx(m) && REPLY_KINDS.has(m.janus), opts.timeoutMs, since);
    if (reply.janus !== 'ack') throw new JanusReplyError(`expected ack for ${String(msg.janus)}`, reply);
    const event = await this.waitFor((m) => ofTx(m) && m.janus === 'event', opts.timeoutMs, since);
    return { reply, event };
  }

  async createSession(): Promise<number> {
    const reply = await this.request({ janus: 'create' });
    const id = (reply.data as { id?: unknown } | undefined)?.id;
    if (reply.janus !== 'success' || typeof id !== 'number') throw new JanusReplyError('create failed', reply);
    return id;
  }

  async attach(sessionId: number, plugin: string): Promise<number> {
    const full = plugin.includes('.') ? plugin : `janus.plugin.${plugin}`;
    const reply = await this.request({ janus: 'attach', session_id: sessionId, plugin: full });
    const id = (reply.data as { id?: unknown } | undefined)?.id;
    if (reply.janus !== 'success' || typeof id !== 'number') throw new JanusReplyError('attach failed', reply);
    return id;
  }

  /** Close (code 1000) and wait; terminate if the peer does not answer the close (e.g. link down). */
  async close(): Promise<void> {
    if (this.closeInfo) return;
    this.ws.close(1000);
    const timer = setTimeout(() => { this.ws.terminate(); }, 2000);
    await this.closed;
    clearTimeout(timer);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }
}

/** One Admin API request over a fresh janus-admin-protocol socket; resolves with the reply. */
export async function adminRequest(adminWsUrl: string, secret: string, body: Record<string, unknown>): Promise<JanusMessage> {
  const client = await JanusTestClient.connect(adminWsUrl, 'janus-admin-protocol');
  try {
    return await client.request({ admin_secret: secret, ...body });
  } finally {
    await client.close();
  }
}
