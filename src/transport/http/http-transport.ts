/**
 * The Janus API over HTTP REST and long polls, answered as Janus 1.1.2's `janus_http.c` answers:
 * `POST <base>` (root verbs), `POST <base>/<S>[/<H>]` (ids injected from the path), `GET <base>/<S>`
 * (long poll), `GET <base>/info`, CORS on every response, HTTP-level errors with empty bodies.
 * Built on node:http rather than a framework because Janus's quirks are connection-level: an empty
 * POST or an unsupported method with a body is answered by closing the connection, any body is
 * accepted whatever its Content-Type (janus.js's `sendBeacon` sends text/plain), and 404/302/403/400
 * carry no body.
 */
import { listenOn } from '../listen.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Sink } from '../../core/sink.js';
import { JanusErrorCode as C } from '../../protocol/errors.js';
import { errorReply, type JsonFormat, type JsonObject } from '../../protocol/messages.js';
import { clientOrigin, type OriginOptions } from '../origin.js';
import { Exchange, formatJson } from './exchange.js';
import { PollQueues } from './poll-queues.js';
import type { RemotePolls } from './forwarding.js';
import { ReplySink } from './reply-sink.js';
import { announcesBody, readBody } from './read-body.js';
import { decodeBody, injectPathIds, maxEvents, normalizeBasePath, parseTarget, pathId, randomTransaction } from './request.js';

export interface HttpTransportOptions {
  host: string;
  port: number;
  basePath: string;
  allowOrigin: string | undefined;
  json: JsonFormat;
  longPollTimeoutMs: number;
  maxQueuedEvents: number;
  maxBodyBytes: number;
  /** The core's api_secret: long polls bypass the core, so the transport checks `?apisecret=` itself. */
  apiSecret: string | undefined;
  /** Janus's token_auth check; undefined when token auth is off. */
  tokenValid?: ((token: string) => boolean) | undefined;
  origin: OriginOptions;
  logger: Logger;
}

export interface HttpRequestHandler {
  dispatch(payload: unknown, sink: Sink): void;
  /** Long polls for sessions without a queue here: served by the proxy that holds them (forwarding.ts). */
  remote?: RemotePolls | undefined;
}

/** Swallows the reply to the keepalive a long poll feeds to the core (Janus does the same). */
const DISCARD: Sink = { id: 'http-poll-keepalive', open: true, send: () => undefined };

type ApiTarget = { sessionPath: string | undefined; handlePath: string | undefined };

export class HttpTransport {
  private readonly server: Server;
  private readonly queues: PollQueues;
  private readonly basePath: string;
  private readonly logger: Logger;
  private nextRequestId = 1;

  constructor(
    private readonly options: HttpTransportOptions,
    private readonly handler: HttpRequestHandler,
  ) {
    this.basePath = normalizeBasePath(options.basePath);
    this.logger = options.logger.child({ transport: 'http' });
    this.queues = new PollQueues({
      maxQueuedEvents: options.maxQueuedEvents,
      holdMs: options.longPollTimeoutMs,
      json: options.json,
      logger: this.logger,
    });
    this.server = createServer((req, res) => { this.onRequest(req, res); });
  }

  /** Sessions that currently have a long-poll queue. */
  get queueCount(): number {
    return this.queues.size;
  }

  /** The long-poll queues, for polls forwarded from other proxies. */
  get pollQueues(): PollQueues {
    return this.queues;
  }

  listen(): Promise<AddressInfo> {
    return listenOn(this.server, this.options.host, this.options.port);
  }

  async close(): Promise<void> {
    this.queues.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => { resolve(); }));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    res.on('error', () => undefined);
    const exchange = new Exchange(req, res, { allowOrigin: this.options.allowOrigin });
    this.route(exchange).catch((err: unknown) => {
      this.logger.error({ err }, 'HTTP request failed unexpectedly');
      exchange.drop();
    });
  }

  private async route(exchange: Exchange): Promise<void> {
    const { req } = exchange;
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'POST' && method !== 'OPTIONS') {
      // Janus drops the connection when the request carries a body, else answers 450.
      if (announcesBody(req)) exchange.drop();
      else exchange.json(formatJson(errorReply(C.TRANSPORT_SPECIFIC, `Unsupported method ${method}`), this.options.json));
      return;
    }
    if (method === 'OPTIONS') {
      exchange.empty(200);
      return;
    }
    // The raw path, as Janus reads it (new URL() would take a leading `//x` for a host name).
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const [pathname, search] = q < 0 ? [raw, ''] : [raw.slice(0, q), raw.slice(q + 1)];
    const target = parseTarget(pathname, this.basePath);
    if (target.kind === 'outside') {
      exchange.empty(404, { Connection: 'close' });
      return;
    }
    if (target.tooDeep) {
      if (announcesBody(req)) exchange.drop();
      else exchange.empty(404);
      return;
    }
    if (method === 'POST') await this.post(exchange, target);
    else this.get(exchange, target, new URLSearchParams(search));
  }

  private async post(exchange: Exchange, target: ApiTarget): Promise<void> {
    const body = await readBody(exchange.req, this.options.maxBodyBytes);
    if (body.kind === 'aborted' || (body.kind === 'ok' && body.text.length === 0)) {
      exchange.drop();
      return;
    }
    if (target.sessionPath === 'info') {
      exchange.empty(400);
      return;
    }
    if (body.kind === 'too-large') {
      const reason = `Request payload too large (${body.size} > ${this.options.maxBodyBytes} bytes)`;
      exchange.json(formatJson(errorReply(C.INVALID_JSON, reason), this.options.json));
      return;
    }
    const decoded = decodeBody(body.text);
    if ('error' in decoded) {
      exchange.json(formatJson(decoded.error, this.options.json));
      return;
    }
    this.dispatch(exchange, decoded.payload, target);
  }

  private get(exchange: Exchange, target: ApiTarget, query: URLSearchParams): void {
    if (target.sessionPath === 'info') {
      this.dispatch(exchange, { janus: 'info', transaction: randomTransaction() }, target);
      return;
    }
    this.longPoll(exchange, target, query);
  }

  /** Path ids go into the body, then the request goes to the core with this request as its reply Sink. */
  private dispatch(exchange: Exchange, payload: JsonObject, target: ApiTarget): void {
    const conflict = injectPathIds(payload, target.sessionPath, target.handlePath);
    if (conflict) {
      exchange.json(formatJson(conflict, this.options.json));
      return;
    }
    const id = `http-${this.nextRequestId++}`;
    const sink = new ReplySink(id, exchange, clientOrigin(exchange.req, this.options.origin), this.queues, this.options.json, this.logger);
    this.handler.dispatch(payload, sink);
  }

  /** As Janus's HTTP transport: with a secret and/or token auth on, a right `apisecret` or a valid `token` query. */
  private pollAuthorized(secret: string | null, token: string | null): boolean {
    const { apiSecret, tokenValid } = this.options;
    if (apiSecret === undefined && !tokenValid) return true;
    if (apiSecret !== undefined && secret === apiSecret) return true;
    return tokenValid !== undefined && token !== null && tokenValid(token);
  }

  /** `GET <base>/<S>`: checks in Janus's order, then events at once or a held poll. */
  private longPoll(exchange: Exchange, target: ApiTarget, query: URLSearchParams): void {
    const sessionId = pathId(target.sessionPath);
    if (sessionId < 1) {
      exchange.empty(404);
      return;
    }
    const secret = query.get('apisecret');
    const token = query.get('token');
    if (!this.pollAuthorized(secret, token)) {
      exchange.empty(403);
      return;
    }
    // A poll is activity: Janus feeds the core a keepalive for the session and ignores its answer.
    const keepalive: JsonObject = { janus: 'keepalive', session_id: sessionId, transaction: randomTransaction() };
    if (secret !== null) keepalive.apisecret = secret;
    if (token !== null) keepalive.token = token;
    this.handler.dispatch(keepalive, DISCARD);
    if (target.handlePath !== undefined) {
      exchange.empty(302, { Location: `${this.basePath === '/' ? '' : this.basePath}/${target.sessionPath ?? ''}` });
      return;
    }
    const queue = this.queues.get(sessionId);
    if (queue) {
      exchange.onClose(queue.poll(maxEvents(query), (body) => { exchange.json(body); }));
      return;
    }
    const remote = this.handler.remote;
    if (!remote) {
      exchange.empty(404);
      return;
    }
    exchange.onClose(remote.poll(sessionId, secret, maxEvents(query), (body) => {
      if (body === undefined) exchange.empty(404);
      else exchange.json(body);
    }));
  }
}
