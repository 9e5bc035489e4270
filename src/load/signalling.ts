// One load peer's Janus session over either transport (WebSocket or HTTP long poll), with the few calls
// a scenario needs. Every request is timed by verb, and Janus or plugin errors become JanusApiError
// with the Janus error code, so the report can count errors by code.
import { JanusTestClient, type JanusMessage } from './janus-client.js';
import { JanusHttpClient } from './janus-http-client.js';

export type Data = Record<string, unknown>;
export type Jsep = { type: string; sdp: string };

/** A Janus core error (`error.code`) or a plugin error (`error_code`); code undefined for transport failures. */
export class JanusApiError extends Error {
  constructor(readonly code: number | undefined, reason: string) {
    super(code === undefined ? reason : `${String(code)} ${reason}`);
  }
}

export type Credentials = { apisecret?: string | undefined; token?: string | undefined };
export type RecordTiming = (verb: string, ms: number) => void;

const KEEPALIVE_MS = 25_000;
const REQUEST_TIMEOUT_MS = 20_000;

function pluginData(m: JanusMessage): Data {
  return ((m.plugindata as { data?: Data } | undefined)?.data) ?? {};
}

/** Throws the error a Janus reply or plugin event carries, if any. */
function throwIfError(m: JanusMessage): void {
  if (m.janus === 'error') {
    const error = m.error as { code?: number; reason?: string } | undefined;
    throw new JanusApiError(error?.code, error?.reason ?? JSON.stringify(m));
  }
  const data = pluginData(m);
  if (typeof data.error_code === 'number') throw new JanusApiError(data.error_code, typeof data.error === 'string' ? data.error : 'plugin error');
}

/** The raw exchange a transport offers; Signalling adds sessions, timing and errors on top. */
type Wire = {
  /** Sends a request; resolves with its reply (success/error/ack). */
  request(path: string, msg: Data): Promise<JanusMessage>;
  mark(): number;
  waitFor(pred: (m: JanusMessage) => boolean, timeoutMs: number, since: number): Promise<JanusMessage>;
  onSession(sessionId: number): void;
  close(): Promise<void>;
};

async function wsWire(url: string, defaults: Data): Promise<Wire> {
  const client = await JanusTestClient.connect(url, 'janus-protocol', defaults);
  return {
    request: (_path, msg) => client.request(msg, { timeoutMs: REQUEST_TIMEOUT_MS }),
    mark: () => client.mark(),
    waitFor: (pred, timeoutMs, since) => client.waitFor(pred, timeoutMs, since),
    onSession: () => undefined,
    close: () => client.close(),
  };
}

function httpWire(url: string, defaults: Data): Wire {
  const client = new JanusHttpClient(url.replace(/\/$/, ''), defaults);
  return {
    request: (path, msg) => client.post(path, msg),
    mark: () => client.mark(),
    waitFor: (pred, timeoutMs, since) => client.waitFor(pred, timeoutMs, since),
    // A long poll is a GET: the secret and token go in its query string.
    onSession: (sessionId) => { client.startPolling(sessionId, Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, String(v)]))); },
    close: () => client.stopPolling(),
  };
}

export class Signalling {
  private sessionId: number | undefined;
  private keepalive: NodeJS.Timeout | undefined;

  private constructor(private readonly wire: Wire, private readonly timing: RecordTiming) {}

  static async open(url: string, transport: 'ws' | 'http', credentials: Credentials, timing: RecordTiming): Promise<Signalling> {
    const defaults: Data = {};
    if (credentials.apisecret !== undefined) defaults.apisecret = credentials.apisecret;
    if (credentials.token !== undefined) defaults.token = credentials.token;
    const started = performance.now();
    try {
      const wire = transport === 'ws' ? await wsWire(url, defaults) : httpWire(url, defaults);
      if (transport === 'ws') timing('connect', performance.now() - started);
      return new Signalling(wire, timing);
    } catch (err) {
      throw new JanusApiError(undefined, `connect: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async timed(verb: string, path: string, msg: Data): Promise<JanusMessage> {
    const started = performance.now();
    const reply = await this.wire.request(path, msg);
    this.timing(verb, performance.now() - started);
    throwIfError(reply);
    return reply;
  }

  /** The Janus session id, once created. */
  get id(): number | undefined {
    return this.sessionId;
  }

  private get session(): number {
    if (this.sessionId === undefined) throw new Error('no session yet');
    return this.sessionId;
  }

  async createSession(): Promise<number> {
    const reply = await this.timed('create', '', { janus: 'create' });
    const id = (reply.data as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'number') throw new JanusApiError(undefined, `create: no session id in ${JSON.stringify(reply)}`);
    this.sessionId = id;
    this.wire.onSession(id);
    this.keepalive = setInterval(() => {
      this.wire.request(`/${String(id)}`, { janus: 'keepalive', session_id: id }).catch(() => undefined);
    }, KEEPALIVE_MS);
    return id;
  }

  async attach(plugin: string): Promise<number> {
    const reply = await this.timed('attach', `/${String(this.session)}`, { janus: 'attach', session_id: this.session, plugin });
    const id = (reply.data as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'number') throw new JanusApiError(undefined, `attach: no handle id in ${JSON.stringify(reply)}`);
    return id;
  }

  mark(): number {
    return this.wire.mark();
  }

  /**
   * A plugin message; resolves with the plugin data and jsep of the synchronous `success` or of the
   * asynchronous event (after the ack). Timed as `message <request>` (the body's `request`), or `message`.
   */
  async message(handleId: number, body: Data, jsep?: Jsep): Promise<{ data: Data; jsep: Jsep | undefined }> {
    const verb = typeof body.request === 'string' ? `message ${body.request}` : 'message';
    const started = performance.now();
    const since = this.wire.mark();
    const path = `/${String(this.session)}/${String(handleId)}`;
    const reply = await this.wire.request(path, { janus: 'message', session_id: this.session, handle_id: handleId, body, ...(jsep ? { jsep } : {}) });
    throwIfError(reply);
    let answer = reply;
    if (reply.janus === 'ack') {
      answer = await this.wire.waitFor((m) => m.transaction === reply.transaction && m.janus === 'event', REQUEST_TIMEOUT_MS, since);
      throwIfError(answer);
    }
    this.timing(verb, performance.now() - started);
    return { data: pluginData(answer), jsep: answer.jsep as Jsep | undefined };
  }

  /** Tells Janus that every local candidate is in the SDP already (werift gathers before the offer). */
  async trickleDone(handleId: number): Promise<void> {
    const path = `/${String(this.session)}/${String(handleId)}`;
    throwIfError(await this.wire.request(path, { janus: 'trickle', session_id: this.session, handle_id: handleId, candidate: { completed: true } }));
  }

  /** The first core event `kind` (webrtcup, hangup, ...) of `handleId` since `since`. */
  waitForEvent(kind: string, handleId: number, since: number, timeoutMs: number): Promise<JanusMessage> {
    return this.wire.waitFor((m) => m.janus === kind && m.sender === handleId, timeoutMs, since);
  }

  /** The first unsolicited plugin event (no transaction) of `handleId` since `since` whose `result.event` is `kind` (VideoCall). */
  async waitForResult(kind: string, handleId: number, since: number, timeoutMs: number): Promise<{ data: Data; jsep: Jsep | undefined }> {
    const event = await this.wire.waitFor((m) => m.janus === 'event' && m.sender === handleId && m.transaction === undefined &&
      (pluginData(m).result as Data | undefined)?.event === kind, timeoutMs, since);
    return { data: pluginData(event), jsep: event.jsep as Jsep | undefined };
  }

  /** Destroys the session (best effort, short timeout) and closes the transport. */
  async close(): Promise<void> {
    clearInterval(this.keepalive);
    if (this.sessionId !== undefined) {
      const id = this.sessionId;
      this.sessionId = undefined;
      await Promise.race([
        this.wire.request(`/${String(id)}`, { janus: 'destroy', session_id: id }).catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 2000)),
      ]);
    }
    await this.wire.close();
  }
}
