/**
 * The listener of the proxy's Janus Admin API: one port (loopback by default, never the public one)
 * serving HTTP `POST /admin[/<session>[/<handle>]]` and WebSockets with `janus-admin-protocol`, as
 * Janus's HTTP and WebSocket transports serve their admin side.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { JanusErrorCode as C } from '../protocol/errors.js';
import { frameText } from '../protocol/frames.js';
import { errorReply, isJsonObject, type JsonObject, type OutgoingMessage } from '../protocol/messages.js';
import type { JanusAdminRequests } from './requests.js';

export const ADMIN_SUBPROTOCOL = 'janus-admin-protocol';
export const EVENTS_SUBPROTOCOL = 'janus-cloud-events';
const MAX_BODY_BYTES = 1_048_576;

export interface JanusAdminServerOptions {
  host: string;
  port: number;
  /** `/admin`, as Janus's admin_base_path. */
  basePath: string;
  /** Where backends' Janus HTTP event handlers post (`<eventsPath>/<backend name>`); off when undefined. */
  eventsPath?: string | undefined;
  onEvents?: ((backend: string, payload: unknown) => void) | undefined;
  /** Live consumers of the event stream (WebSocket subprotocol `janus-cloud-events`, `?admin_secret=`). */
  subscribe?: ((listener: (event: JsonObject) => void) => () => void) | undefined;
  adminSecret?: string | undefined;
  logger: Logger;
}

/** A request's JSON, or the Janus error that answers it. */
function parseRequest(text: string): JsonObject | OutgoingMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return errorReply(C.INVALID_JSON, 'JSON error: could not parse the request');
  }
  return isJsonObject(value) ? value : errorReply(C.INVALID_JSON_OBJECT, 'Invalid JSON Object');
}

function isError(value: JsonObject | OutgoingMessage): value is OutgoingMessage {
  return value.janus === 'error' && isJsonObject(value.error);
}

export class JanusAdminServer {
  private readonly server: Server;
  private readonly wss: WebSocketServer;

  constructor(private readonly options: JanusAdminServerOptions, private readonly requests: JanusAdminRequests) {
    this.server = createServer((req, res) => { this.onHttp(req, res); });
    this.wss = new WebSocketServer({
      server: this.server,
      maxPayload: MAX_BODY_BYTES,
      handleProtocols: (protocols) => {
        if (protocols.has(ADMIN_SUBPROTOCOL)) return ADMIN_SUBPROTOCOL;
        return protocols.has(EVENTS_SUBPROTOCOL) && options.subscribe ? EVENTS_SUBPROTOCOL : false;
      },
    });
    this.wss.on('connection', (ws, req) => {
      if (ws.protocol === EVENTS_SUBPROTOCOL) this.onEventsSocket(ws, req);
      else this.onSocket(ws);
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => { this.wss.close(() => { resolve(); }); });
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => { this.server.close(() => { resolve(); }); });
  }

  /** A live event consumer: every event of the stream as a JSON text frame, once its admin_secret is right. */
  private onEventsSocket(ws: WebSocket, req: IncomingMessage): void {
    const secret = new URL(req.url ?? '/', 'http://localhost').searchParams.get('admin_secret');
    const { adminSecret, subscribe } = this.options;
    if (!subscribe || (adminSecret !== undefined && secret !== adminSecret)) {
      ws.close(1008, 'Unauthorized request (wrong or missing secret/token)');
      return;
    }
    const unsubscribe = subscribe((event) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event)); });
    ws.on('close', unsubscribe);
    ws.on('error', () => undefined);
  }

  private onSocket(ws: WebSocket): void {
    if (ws.protocol !== ADMIN_SUBPROTOCOL) {
      ws.close(1002, 'janus-admin-protocol required');
      return;
    }
    ws.on('message', (data) => {
      const parsed = parseRequest(frameText(data));
      const reply = isError(parsed) ? Promise.resolve(parsed) : this.requests.handle(parsed);
      void reply.then((msg) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg, null, 3)); });
    });
    ws.on('error', (err) => { this.options.logger.debug({ err }, 'admin WebSocket error'); });
  }

  private isInfoPath(url: string): boolean {
    return (url.split('?')[0] ?? '') === `${this.options.basePath.replace(/\/+$/, '')}/info`;
  }

  /** The session and handle ids a path names; undefined when it is no admin path. */
  private pathIds(url: string): { session?: number; handle?: number } | undefined {
    const path = (url.split('?')[0] ?? '').replace(/\/+$/, '');
    const base = this.options.basePath.replace(/\/+$/, '');
    if (path !== base && !path.startsWith(`${base}/`)) return undefined;
    const parts = path.slice(base.length).split('/').filter(Boolean);
    if (parts.length > 2 || !parts.every((p) => /^\d+$/.test(p))) return undefined;
    const [session, handle] = parts.map(Number);
    return { ...(session === undefined ? {} : { session }), ...(handle === undefined ? {} : { handle }) };
  }

  /** The backend an event handler's POST names, or undefined when the path is no events path. */
  private eventsBackend(url: string): string | undefined {
    const { eventsPath, onEvents } = this.options;
    if (eventsPath === undefined || !onEvents) return undefined;
    const path = url.split('?')[0] ?? '';
    const match = /^\/([\w.-]{1,64})$/.exec(path.startsWith(eventsPath) ? path.slice(eventsPath.length) : '');
    return match?.[1];
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Access-Control-Allow-Origin', '*');
    const backend = req.method === 'POST' ? this.eventsBackend(req.url ?? '/') : undefined;
    if (backend !== undefined) {
      this.readBody(req, (body) => { this.onEventPost(backend, body, res); });
      return;
    }
    const ids = this.pathIds(req.url ?? '/');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', req.headers['access-control-request-method'] ?? 'POST');
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'content-type');
      res.writeHead(200).end();
      return;
    }
    if (req.method === 'GET' && this.isInfoPath(req.url ?? '/')) {
      // As Janus's HTTP transport: `GET <admin_base_path>/info` is the info request (admin.html starts with it).
      void this.requests.handle({ janus: 'info', transaction: randomUUID() }).then((reply) => {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply, null, 3));
      });
      return;
    }
    if (!ids) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST, OPTIONS' }).end();
      return;
    }
    this.readBody(req, (body) => { void this.answerHttp(body, ids, res); });
  }

  private readBody(req: IncomingMessage, done: (body: string) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => { done(Buffer.concat(chunks).toString('utf8')); });
  }

  private onEventPost(backend: string, body: string, res: ServerResponse): void {
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      res.writeHead(400).end();
      return;
    }
    this.options.onEvents?.(backend, payload);
    res.writeHead(200).end();
  }

  private async answerHttp(body: string, ids: { session?: number; handle?: number }, res: ServerResponse): Promise<void> {
    const parsed = parseRequest(body);
    let reply: OutgoingMessage;
    if (isError(parsed)) {
      reply = parsed;
    } else {
      // As Janus's HTTP transport: the path, not the body, names the session and handle.
      if (ids.session !== undefined) parsed.session_id = ids.session;
      if (ids.handle !== undefined) parsed.handle_id = ids.handle;
      reply = await this.requests.handle(parsed);
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply, null, 3));
  }
}
