// A small Janus HTTP (REST + long poll) client (tests and janus-load), the counterpart of janus-client.ts. Every
// request uses a fresh connection, so a dropped connection shows as `dropped` rather than breaking
// the next request; a background poller collects a session's events for waitFor().
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { newTransaction, type JanusMessage } from './janus-client.js';

export type HttpResult =
  | { dropped: false; status: number; headers: IncomingHttpHeaders; text: string }
  | { dropped: true; error: string };

export type RawOptions = { body?: string; headers?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal };

/** One HTTP exchange on its own connection; `dropped` when the server closes it without a response. */
export function rawHttp(method: string, url: string, opts: RawOptions = {}): Promise<HttpResult> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    const req = httpRequest({ method, host: u.hostname, port: u.port, path: u.pathname + u.search, headers, agent: false, ...(opts.signal ? { signal: opts.signal } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => { resolve({ dropped: false, status: res.statusCode ?? 0, headers: res.headers, text }); });
      res.on('error', (err) => { resolve({ dropped: true, error: err.message }); });
    });
    req.setTimeout(opts.timeoutMs ?? 60_000, () => { req.destroy(new Error('client timeout')); });
    req.on('error', (err) => { resolve({ dropped: true, error: err.message }); });
    req.end(opts.body);
  });
}

export function bodyOf(result: HttpResult): unknown {
  if (result.dropped) throw new Error(`connection dropped: ${result.error}`);
  if (result.status !== 200) throw new Error(`HTTP ${result.status}`);
  return JSON.parse(result.text) as unknown;
}

export class JanusHttpClient {
  /** Events received by the background poller, in order. */
  readonly events: JanusMessage[] = [];
  private poller: AbortController | undefined;
  private stopped: Promise<void> = Promise.resolve();
  private readonly waiters = new Set<() => void>();

  /** `defaults` are merged into every POST body (e.g. `{ apisecret }`). */
  constructor(readonly baseUrl: string, private readonly defaults: Record<string, unknown> = {}) {}

  /** POST a request (transaction added) to `<base><path>`; resolves with the JSON reply. */
  async post(path: string, msg: Record<string, unknown>): Promise<JanusMessage> {
    const transaction = typeof msg.transaction === 'string' ? msg.transaction : newTransaction();
    const result = await rawHttp('POST', this.baseUrl + path, { body: JSON.stringify({ ...this.defaults, ...msg, transaction }), headers: { 'Content-Type': 'application/json' } });
    return bodyOf(result) as JanusMessage;
  }

  postRaw(path: string, body: string | undefined, headers: Record<string, string> = {}): Promise<HttpResult> {
    return rawHttp('POST', this.baseUrl + path, body === undefined ? { headers } : { body, headers });
  }

  get(path: string, headers: Record<string, string> = {}): Promise<HttpResult> {
    return rawHttp('GET', this.baseUrl + path, { headers });
  }

  /** One long poll of session `s` with the given query parameters. */
  poll(s: number, query: Record<string, string | number> = {}, opts: RawOptions = {}): Promise<HttpResult> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
    return rawHttp('GET', `${this.baseUrl}/${s}${qs ? `?${qs}` : ''}`, opts);
  }

  async create(): Promise<number> {
    const reply = await this.post('', { janus: 'create' });
    const id = (reply.data as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'number') throw new Error(`create failed: ${JSON.stringify(reply)}`);
    return id;
  }

  async attach(s: number, plugin = 'janus.plugin.echotest'): Promise<number> {
    const reply = await this.post(`/${s}`, { janus: 'attach', plugin });
    const id = (reply.data as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'number') throw new Error(`attach failed: ${JSON.stringify(reply)}`);
    return id;
  }

  /**
   * Polls session `s` (maxev 10, like janus.js) until stopPolling() or a non-200 answer; with
   * `failuresTolerated`, as janus.js does (3), that many failed polls in a row are retried first.
   */
  startPolling(s: number, query: Record<string, string | number> = {}, failuresTolerated = 0): void {
    const poller = new AbortController();
    this.poller = poller;
    this.stopped = (async () => {
      let failures = 0;
      while (!poller.signal.aborted) {
        const result = await this.poll(s, { maxev: 10, ...query }, { signal: poller.signal });
        // (After stopPolling() the loop's own condition ends it.)
        if ((result.dropped || result.status !== 200) && ++failures <= failuresTolerated) continue;
        if (result.dropped || result.status !== 200) break;
        failures = 0;
        const batch = JSON.parse(result.text) as JanusMessage | JanusMessage[];
        for (const m of Array.isArray(batch) ? batch : [batch]) if (m.janus !== 'keepalive') this.events.push(m);
        for (const wake of this.waiters) wake();
      }
    })();
  }

  /** Stops polling, abandoning the poll in flight. */
  async stopPolling(): Promise<void> {
    this.poller?.abort();
    await this.stopped;
  }

  mark(): number {
    return this.events.length;
  }

  /** First collected event matching `pred` at index >= `since`. */
  waitFor(pred: (m: JanusMessage) => boolean, timeoutMs = 10_000, since = 0): Promise<JanusMessage> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(since).find(pred);
        if (!found) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no matching event within ${timeoutMs} ms: ${JSON.stringify(this.events.slice(since))}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** POST an asynchronous request; resolves with its reply and the event of the same transaction. */
  async requestWithEvent(path: string, msg: Record<string, unknown>, timeoutMs = 10_000): Promise<{ reply: JanusMessage; event: JanusMessage }> {
    const transaction = newTransaction();
    const reply = await this.post(path, { ...msg, transaction });
    const event = await this.waitFor((m) => m.transaction === transaction && m.janus === 'event', timeoutMs);
    return { reply, event };
  }
}
