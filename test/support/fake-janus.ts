/**
 * A small fake Janus 1.1 for component tests: a WebSocket server (`janus-protocol`, loopback, free
 * port) speaking the core API the proxy uses towards its backends, with sessions and handles and
 * Janus's error codes. A test scripts faults real Janus cannot produce on demand (a reply held and
 * answered late, dropped, delayed, a request failed, the connection closed), and reads what the
 * fake still holds (sessions, handles, unanswered transactions) to check that nothing leaked.
 */
import { WebSocketServer, WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

export type JanusJson = Record<string, unknown>;

/** A request as received: `janus` and `transaction` are checked, the rest is as sent. */
export interface FakeRequest extends JanusJson {
  janus: string;
  transaction: string;
}

/** One request in the fake's log, with the connection (numbered from 1) it came on. */
export interface LoggedRequest { request: FakeRequest; conn: number; /** The frame as it came. */ raw: string }

export type Fault =
  | { kind: 'hold' } // takes effect; its reply (and the events after it) wait for `release()`
  | { kind: 'stall' } // takes effect and is answered only at `release()` (Janus got to it late)
  | { kind: 'drop' } // takes effect; never answered
  | { kind: 'delay'; ms: number } // takes effect; answered `ms` later
  | { kind: 'fail'; code: number; reason: string } // answered with this Janus error, no effect
  | { kind: 'close' }; // the connection is closed as the request arrives, no effect

/** A request that met its fault; `release()` sends a held reply (a no-op otherwise). */
export interface FaultHit extends Omit<LoggedRequest, 'raw'> {
  release(): void;
}

export interface FakeJanusOptions {
  plugins?: readonly string[];
  sessionTimeoutS?: number;
  /** Like Janus's reclaim_session_timeout: sessions survive their connection (until claimed) when > 0. */
  reclaimSessionTimeoutS?: number;
}

interface Rule { verb: string; fault: Fault; match: (request: FakeRequest) => boolean; hit: (hit: FaultHit) => void }
interface Conn { ws: WebSocket; n: number }
/** `handles`: handle id → plugin. */
interface FakeSession { owner: Conn | undefined; handles: Map<number, string> }
/** What answering a request sends: the reply to the requester and events to the session's owner (after it, unless `eventsFirst`). */
interface Answer { reply: JanusJson; events: { sessionId: number; event: JanusJson }[]; eventsFirst?: boolean }

export const FAKE_PLUGIN = 'janus.plugin.echotest';

const newId = (): number => 1 + Math.floor(Math.random() * (2 ** 52 - 1));

export class FakeJanus {
  /** Every request received, in order. */
  readonly log: LoggedRequest[] = [];
  private readonly sessions = new Map<number, FakeSession>();
  private readonly conns = new Set<Conn>();
  private readonly rules: Rule[] = [];
  private readonly unansweredTx = new Map<string, { request: FakeRequest; held: boolean }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiters = new Set<() => boolean>();
  private connCount = 0;

  private constructor(private readonly server: WebSocketServer, private readonly options: FakeJanusOptions) {
    server.on('connection', (ws) => { this.onConnection(ws); });
  }

  static start(options: FakeJanusOptions = {}): Promise<FakeJanus> {
    return new Promise((resolve, reject) => {
      const handleProtocols = (protocols: Set<string>): string | false => (protocols.has('janus-protocol') ? 'janus-protocol' : false);
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols });
      server.once('error', reject);
      server.once('listening', () => { resolve(new FakeJanus(server, options)); });
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get connections(): number {
    return this.conns.size;
  }

  /** Sessions held, claimed or waiting to be (after their connection closed, within a reclaim window). */
  sessionIds(): number[] {
    return [...this.sessions.keys()];
  }

  handleIds(): number[] {
    return [...this.sessions.values()].flatMap((s) => [...s.handles.keys()]);
  }

  /** Requests held, delayed or dropped, and not answered (yet). */
  unanswered(): FakeRequest[] {
    return [...this.unansweredTx.values()].map((u) => u.request);
  }

  /** Held replies a test has not released: what the proxy would do with them is left untested. */
  held(): FakeRequest[] {
    return [...this.unansweredTx.values()].filter((u) => u.held).map((u) => u.request);
  }

  /** The next request `verb` (matching `match`) meets `fault`; resolves when it has arrived. */
  fault(verb: string, fault: Fault, match: (request: FakeRequest) => boolean = () => true): Promise<FaultHit> {
    return new Promise((hit) => { this.rules.push({ verb, fault, match, hit }); });
  }

  /** Resolves with the first logged request (from index `since`) that `pred` accepts. */
  request(pred: (r: LoggedRequest) => boolean, since = 0, timeoutMs = 10_000): Promise<LoggedRequest> {
    let found: LoggedRequest | undefined;
    return this.until('a matching request', () => (found = this.log.slice(since).find(pred)) !== undefined, timeoutMs).then(() => found!);
  }

  /** Resolves once `check` holds; re-checked whenever the fake's state changes, never by sleeping. */
  until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = (): boolean => {
        if (!check()) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`fake Janus: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Forgets every session without a word, as Janus does when they time out unseen (or it restarted). */
  forgetSessions(): void {
    this.sessions.clear();
    this.notify();
  }

  /** Drops every connection (a network blip); with `loseSessions`, Janus restarted and forgot them. */
  closeConnections(opts: { loseSessions?: boolean } = {}): void {
    if (opts.loseSessions) this.sessions.clear();
    for (const conn of this.conns) conn.ws.terminate();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.closeConnections();
    await new Promise<void>((resolve) => { this.server.close(() => { resolve(); }); });
  }

  private onConnection(ws: WebSocket): void {
    const conn: Conn = { ws, n: ++this.connCount };
    this.conns.add(conn);
    ws.on('message', (data: Buffer) => { this.onFrame(conn, data.toString()); });
    ws.on('close', () => {
      this.conns.delete(conn);
      for (const [id, session] of this.sessions) {
        if (session.owner !== conn) continue;
        // As Janus: a session dies with its connection unless a reclaim window keeps it.
        if ((this.options.reclaimSessionTimeoutS ?? 0) > 0) session.owner = undefined;
        else this.sessions.delete(id);
      }
      this.notify();
    });
    this.notify();
  }

  private onFrame(conn: Conn, text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // the proxy sends JSON only; a test that breaks this sees the request missing from the log
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const req = parsed as FakeRequest;
    if (typeof req.janus !== 'string' || typeof req.transaction !== 'string') return;
    this.log.push({ request: req, conn: conn.n, raw: text });
    const index = this.rules.findIndex((r) => r.verb === req.janus && r.match(req));
    const rule = index >= 0 ? this.rules.splice(index, 1)[0] : undefined;
    this.respond(conn, req, rule);
    this.notify();
  }

  private respond(conn: Conn, req: FakeRequest, rule: Rule | undefined): void {
    const fault = rule?.fault;
    let release = (): void => undefined;
    if (fault?.kind === 'close') {
      conn.ws.terminate();
    } else if (fault?.kind === 'fail') {
      this.send(conn, errorOf(req, fault.code, fault.reason));
    } else if (fault?.kind === 'stall') {
      this.unansweredTx.set(req.transaction, { request: req, held: true });
      release = (): void => {
        this.unansweredTx.delete(req.transaction);
        this.deliver(conn, this.apply(conn, req));
        this.notify();
      };
    } else {
      const answer = this.apply(conn, req);
      const deliver = (): void => {
        this.unansweredTx.delete(req.transaction);
        this.deliver(conn, answer);
        this.notify();
      };
      if (fault === undefined) deliver();
      else {
        this.unansweredTx.set(req.transaction, { request: req, held: fault.kind === 'hold' });
        if (fault.kind === 'hold') release = deliver;
        else if (fault.kind === 'delay') {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            deliver();
          }, fault.ms);
          this.timers.add(timer);
        }
      }
    }
    rule?.hit({ request: req, conn: conn.n, release: once(release) });
  }

  private deliver(conn: Conn, answer: Answer): void {
    if (!answer.eventsFirst) this.send(conn, answer.reply);
    for (const { sessionId, event } of answer.events) {
      const owner = this.sessions.get(sessionId)?.owner;
      if (owner) this.send(owner, event);
    }
    if (answer.eventsFirst) this.send(conn, answer.reply);
  }

  private send(conn: Conn, msg: JanusJson): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify(msg));
  }

  /** Does what Janus does for the request, in Janus's check order, and says what to answer. */
  private apply(conn: Conn, req: FakeRequest): Answer {
    const only = (reply: JanusJson): Answer => ({ reply, events: [] });
    const { janus: verb, transaction } = req;
    if (verb === 'info') return only({ janus: 'server_info', transaction, ...this.info() });
    if (verb === 'ping') return only({ janus: 'pong', transaction });
    if (verb === 'create') {
      const id = typeof req.id === 'number' && req.id > 0 ? req.id : newId();
      if (this.sessions.has(id)) return only(errorOf(req, 468, 'Session ID already in use', id));
      this.sessions.set(id, { owner: conn, handles: new Map() });
      return only({ janus: 'success', transaction, data: { id } });
    }
    const sessionId = typeof req.session_id === 'number' ? req.session_id : 0;
    const session = this.sessions.get(sessionId);
    if (sessionId < 1) return only(errorOf(req, 458, 'Session not found'));
    if (!session) return only(errorOf(req, 458, `No such session ${sessionId}`));
    const ok = (extra: JanusJson = {}): JanusJson => ({ janus: 'success', session_id: sessionId, transaction, ...extra });
    switch (verb) {
      case 'keepalive':
        return only({ janus: 'ack', session_id: sessionId, transaction });
      case 'claim':
        session.owner = conn;
        return only(ok());
      case 'destroy':
        this.sessions.delete(sessionId);
        return only(ok());
      case 'attach': {
        const plugin = req.plugin;
        if (typeof plugin !== 'string') return only(errorOf(req, 456, 'Missing mandatory element (plugin)'));
        if (!this.plugins().includes(plugin)) return only(errorOf(req, 460, `No such plugin '${plugin}'`));
        const id = newId();
        session.handles.set(id, plugin);
        return only(ok({ data: { id } }));
      }
    }
    const handleId = typeof req.handle_id === 'number' ? req.handle_id : 0;
    if (!['message', 'trickle', 'hangup', 'detach'].includes(verb)) return only(errorOf(req, 453, `Unknown request '${verb}'`));
    if (handleId < 1) return only(errorOf(req, 457, `Unhandled request '${verb}' at this path`));
    const plugin = session.handles.get(handleId);
    if (plugin === undefined) return only(errorOf(req, 459, `No such handle ${handleId} in session ${sessionId}`));
    switch (verb) {
      case 'message':
        return pluginAnswer(req, sessionId, handleId, plugin);
      case 'trickle':
        return only({ janus: 'ack', session_id: sessionId, transaction });
      case 'hangup':
        return only(ok());
      default:
        session.handles.delete(handleId);
        return { reply: ok(), events: [{ sessionId, event: { janus: 'detached', session_id: sessionId, sender: handleId } }] };
    }
  }

  private plugins(): readonly string[] {
    return this.options.plugins ?? [FAKE_PLUGIN];
  }

  private info(): JanusJson {
    const plugins = Object.fromEntries(this.plugins().map((name) => [name, { name, version: 1, version_string: '0.0.1' }]));
    return {
      name: 'Fake Janus', version: 1102, version_string: '1.1.2',
      'session-timeout': this.options.sessionTimeoutS ?? 60, 'reclaim-session-timeout': this.options.reclaimSessionTimeoutS ?? 0,
      plugins,
    };
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) if (waiter()) this.waiters.delete(waiter);
  }
}

/**
 * The scripted plugin: `{request: 'sync'}` is answered at once with `success` and plugindata;
 * anything else gets an `ack`, then an `event` with the same transaction echoing the body —
 * `{request: 'event-first'}` the other way round, as Janus's threads sometimes race.
 */
function pluginAnswer(req: FakeRequest, sessionId: number, handleId: number, plugin: string): Answer {
  const body = req.body as JanusJson | undefined;
  const data = { result: 'ok', echo: body ?? null };
  const base = { session_id: sessionId, transaction: req.transaction };
  if (body?.request === 'sync') return { reply: { janus: 'success', ...base, sender: handleId, plugindata: { plugin, data } }, events: [] };
  return {
    reply: { janus: 'ack', ...base },
    events: [{ sessionId, event: { janus: 'event', ...base, sender: handleId, plugindata: { plugin, data } } }],
    eventsFirst: body?.request === 'event-first',
  };
}

function errorOf(req: FakeRequest, code: number, reason: string, sessionId = req.session_id): JanusJson {
  const msg: JanusJson = { janus: 'error' };
  if (typeof sessionId === 'number' && sessionId > 0) msg.session_id = sessionId;
  return { ...msg, transaction: req.transaction, error: { code, reason } };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
