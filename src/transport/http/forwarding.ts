/**
 * HTTP without sticky load balancing (decision 13): Janus serves a session's HTTP requests from any
 * connection, so behind a load balancer a POST or a long poll may reach a proxy that does not hold
 * the session. Such a request is forwarded over the bus to the proxy that does, and answered from
 * there (long polls included); when that proxy is dead, the session is taken over here first.
 *
 * Bus messages (topic `http-forward`), each naming a request id of the asking proxy:
 *   request {payload}  → the owner dispatches it; reply {reply} comes back
 *   poll {session, max_events} → the owner polls the session's queue; poll-reply {body} (or none: 404)
 *   cancel → the asking client went away: the owner drops the waiting poll
 *   watch (no id) → ignored; sent while a forwarded poll waits: being delivered tells the owner still listens
 */
import type { Logger } from 'pino';
import type { Sink } from '../../core/sink.js';
import type { SessionForwarder } from '../../core/dispatcher.js';
import { ClaimedElsewhere, type TakeOvers } from '../../core/take-over.js';
import type { MessageBus } from '../../store/bus.js';
import type { SessionStore } from '../../store/session-store.js';
import { JanusErrorCode as C } from '../../protocol/errors.js';
import { errorReply, isJsonObject, type JsonObject, type OutgoingMessage } from '../../protocol/messages.js';
import type { PollQueues } from './poll-queues.js';

const TOPIC = 'http-forward';
/** A forwarded request's owner answers within the core's own deadlines; this only guards against a lost reply. */
const FORWARD_TIMEOUT_MS = 30_000;
/** Extra time a forwarded long poll may take beyond the owner's hold. */
const POLL_GRACE_MS = 5_000;
const KEEPALIVE_BODY = '{"janus":"keepalive"}';
/** How often a proxy checks that the owner serving one of its forwarded long polls still listens. */
const OWNER_WATCH_MS = 1_000;
/** Take-overs of one session lost to another proxy before a long poll gives up (each loss means the session moved). */
const MAX_TAKE_OVER_RACES = 3;

/** A poll the transport could not serve from its own queues: answered with a body, or undefined (404). */
export interface RemotePolls {
  poll(sessionId: number, secret: string | null, maxEvents: number, answer: (body: string | undefined) => void): () => void;
}

export interface HttpForwardingDeps {
  bus: MessageBus;
  records: SessionStore;
  takeOvers: TakeOvers;
  dispatch(payload: unknown, sink: Sink): void;
  /** The identity a request's credentials give (Dispatcher.identity), for a take-over from a long poll. */
  identity(credentials: JsonObject): string;
  logger: Logger;
}

interface Waiting {
  settle(message: JsonObject | undefined): void;
  timer: NodeJS.Timeout;
  done(): void;
}

const DISCARD: Sink = { id: 'http-forward-keepalive', open: true, send: () => undefined };

export class HttpForwarding implements SessionForwarder, RemotePolls {
  private readonly waiting = new Map<string, Waiting>();
  /** Polls this proxy runs for other proxies, by their request id. */
  private readonly served = new Map<string, () => void>();
  private nextId = 1;
  private queues: PollQueues | undefined;
  /** Polls waiting at another proxy, by session: moved here when the session is taken over here. */
  private readonly remotePolls = new Map<number, Set<() => void>>();
  private readonly unsubscribe: () => void;
  private readonly unlisten: () => void;

  constructor(private readonly deps: HttpForwardingDeps) {
    this.unsubscribe = deps.bus.subscribe(TOPIC, (message, from) => { this.onMessage(message, from); });
    this.unlisten = deps.takeOvers.onTakenOver((sessionId) => {
      const moves = this.remotePolls.get(sessionId);
      this.remotePolls.delete(sessionId);
      for (const move of moves ?? []) move();
    });
  }

  /** The HTTP transport's queues, once it runs. */
  attachQueues(queues: PollQueues): void {
    this.queues = queues;
  }

  close(): void {
    this.unsubscribe();
    this.unlisten();
    this.remotePolls.clear();
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    for (const cancel of this.served.values()) cancel();
    this.served.clear();
  }

  forward(owner: string, payload: JsonObject, sink: Sink): Promise<boolean> {
    const transaction = typeof payload.transaction === 'string' ? payload.transaction : undefined;
    const sessionId = typeof payload.session_id === 'number' ? payload.session_id : undefined;
    const id = this.expect(FORWARD_TIMEOUT_MS, (message) => {
      if (message && isJsonObject(message.reply)) sink.send(message.reply as OutgoingMessage);
      else sink.send(errorReply(C.UNKNOWN, `No answer from the proxy holding session ${String(sessionId)}`, sessionId, transaction));
    });
    return this.send(owner, { kind: 'request', id, payload }, id);
  }

  poll(sessionId: number, secret: string | null, maxEvents: number, answer: (body: string | undefined) => void): () => void {
    return this.pollWherever(sessionId, secret, maxEvents, answer, undefined);
  }

  /** `unreachable`: an owner found not listening (killed, its lease not yet expired): treated as dead. */
  private pollWherever(sessionId: number, secret: string | null, maxEvents: number, answer: (body: string | undefined) => void, unreachable: string | undefined): () => void {
    let cancelled = false;
    let cancel = (): void => undefined;
    void this.locate(sessionId, secret, unreachable).then((where) => {
      if (cancelled) return;
      if (where === undefined) {
        answer(undefined);
      } else if (where === 'here') {
        const queue = this.queues?.get(sessionId);
        if (queue) cancel = queue.poll(maxEvents, answer);
        else answer(undefined);
      } else {
        const pollAgain = (gone?: string): void => {
          cancel();
          if (!cancelled) cancel = this.pollWherever(sessionId, secret, maxEvents, answer, gone);
        };
        const pollHere = (): void => { pollAgain(); };
        cancel = this.pollRemote(where.owner, sessionId, secret, maxEvents, answer, () => { pollAgain(where.owner); });
        // Taken over here meanwhile (a request at this proxy found the owner dead): poll here instead.
        const moves = this.remotePolls.get(sessionId) ?? new Set<() => void>();
        moves.add(pollHere);
        this.remotePolls.set(sessionId, moves);
        const remoteCancel = cancel;
        cancel = () => {
          moves.delete(pollHere);
          if (moves.size === 0 && this.remotePolls.get(sessionId) === moves) this.remotePolls.delete(sessionId);
          remoteCancel();
        };
      }
    });
    return () => { cancelled = true; cancel(); };
  }

  /** Where a session's polls are served: at its live owner, here (after a take-over from a dead owner), or nowhere. */
  private async locate(sessionId: number, secret: string | null, unreachable: string | undefined, attempt = 1): Promise<{ owner: string } | 'here' | undefined> {
    try {
      const { records } = this.deps;
      const record = await records.get(sessionId);
      const queues = this.queues;
      if (!record || !queues) return undefined;
      if (record.owner === records.proxyId) return queues.get(sessionId) ? 'here' : undefined;
      if (record.owner !== unreachable && (await records.isAlive(record.owner))) return { owner: record.owner };
      const sink: Sink = { id: `http-poll-${String(sessionId)}`, transport: 'http', open: true, send: () => undefined, ownerFor: (id) => queues.open(id) };
      await this.deps.takeOvers.claim(sessionId, sink, this.deps.identity(secret === null ? {} : { apisecret: secret }), { onlyFrom: record.owner });
      return 'here';
    } catch (err) {
      // A request for the session took it over at another proxy first: poll there.
      if (err instanceof ClaimedElsewhere && attempt < MAX_TAKE_OVER_RACES) return this.locate(sessionId, secret, unreachable, attempt + 1);
      this.deps.logger.debug({ session: sessionId, err: err instanceof Error ? err.message : String(err) }, 'long poll for a session found nowhere');
      return undefined;
    }
  }

  private pollRemote(owner: string, sessionId: number, secret: string | null, maxEvents: number, answer: (body: string | undefined) => void, unreachable: () => void): () => void {
    const watch: { timer?: NodeJS.Timeout } = {};
    const id = this.expect(FORWARD_TIMEOUT_MS + POLL_GRACE_MS, (message) => {
      if (!message) answer(KEEPALIVE_BODY);
      else answer(typeof message.body === 'string' ? message.body : undefined);
    }, () => { clearInterval(watch.timer); });
    // While the poll waits there, check that someone still listens at the owner: if it dies, the
    // poll moves on (the session is taken over) instead of hanging until the forward deadline.
    watch.timer = setInterval(() => {
      void this.deps.bus.publish(owner, TOPIC, { kind: 'watch' }).catch(() => false).then((listening) => {
        if (listening || !this.waiting.has(id)) return;
        this.forget(id);
        unreachable();
      });
    }, OWNER_WATCH_MS);
    watch.timer.unref();
    const message: JsonObject = { kind: 'poll', id, session: sessionId, max_events: maxEvents };
    if (secret !== null) message.apisecret = secret;
    void this.send(owner, message, id).then((delivered) => { if (!delivered) unreachable(); });
    return () => {
      if (!this.waiting.has(id)) return;
      this.forget(id);
      this.deps.bus.publish(owner, TOPIC, { kind: 'cancel', id }).catch(() => undefined);
    };
  }

  /** Registers a reply we wait for; `settle(undefined)` on timeout; `done` once it is settled or forgotten. */
  private expect(timeoutMs: number, settle: (message: JsonObject | undefined) => void, done: () => void = () => undefined): string {
    const id = `${this.deps.bus.proxyId}/${String(this.nextId++)}`;
    const timer = setTimeout(() => { this.settle(id, undefined); }, timeoutMs);
    timer.unref();
    this.waiting.set(id, { settle, timer, done });
    return id;
  }

  private settle(id: string, message: JsonObject | undefined): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.forget(id);
    w.settle(message);
  }

  private forget(id: string): void {
    const w = this.waiting.get(id);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting.delete(id);
    w.done();
  }

  /** Resolves false, and forgets the request, when no proxy listens at `to` (it died). */
  private async send(to: string, message: JsonObject, id: string): Promise<boolean> {
    const delivered = await this.deps.bus.publish(to, TOPIC, message).catch(() => false);
    if (!delivered) this.forget(id);
    return delivered;
  }

  private onMessage(message: JsonObject, from: string): void {
    const id = typeof message.id === 'string' ? message.id : undefined;
    if (id === undefined) return;
    switch (message.kind) {
      case 'request':
        this.deps.dispatch(message.payload, this.replySink(id, from));
        break;
      case 'poll':
        this.servePoll(id, from, message);
        break;
      case 'cancel':
        this.served.get(id)?.();
        this.served.delete(id);
        break;
      default: // reply, poll-reply
        this.settle(id, message);
    }
  }

  private servePoll(id: string, from: string, message: JsonObject): void {
    const sessionId = Number(message.session);
    const maxEvents = Number(message.max_events);
    const queue = this.queues?.get(sessionId);
    const reply = (body: string | undefined): void => {
      this.served.delete(id);
      this.deps.bus.publish(from, TOPIC, body === undefined ? { kind: 'poll-reply', id } : { kind: 'poll-reply', id, body }).catch(() => undefined);
    };
    if (!queue) {
      reply(undefined);
      return;
    }
    // A poll is activity, wherever it arrived.
    const keepalive: JsonObject = { janus: 'keepalive', session_id: sessionId, transaction: `fwd-${id}` };
    if (typeof message.apisecret === 'string') keepalive.apisecret = message.apisecret;
    this.deps.dispatch(keepalive, DISCARD);
    this.served.set(id, queue.poll(Number.isFinite(maxEvents) && maxEvents > 0 ? maxEvents : 1, reply));
  }

  private replySink(id: string, from: string): Sink {
    const bus = this.deps.bus;
    return {
      id: `forwarded-${id}`,
      open: true,
      send: (msg) => { bus.publish(from, TOPIC, { kind: 'reply', id, reply: msg }).catch(() => undefined); },
    };
  }
}
