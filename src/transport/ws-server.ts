/**
 * The client WebSocket transport: subprotocol `janus-protocol` (a handshake without it is refused,
 * as Janus does), one JSON request per frame, size limits, ping/pong liveness, optional TLS.
 */
import { listenOn } from './listen.js';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { ClientConnection } from './client-connection.js';
import { clientOrigin, type OriginOptions } from './origin.js';
import type { JsonFormat } from '../protocol/messages.js';

export const JANUS_SUBPROTOCOL = 'janus-protocol';

export interface WsTransportOptions {
  host: string;
  port: number;
  maxMessageBytes: number;
  /** Outgoing bytes a client may leave unread before it is dropped. */
  maxBufferedBytes: number;
  json: JsonFormat;
  pingIntervalMs: number;
  tls: { certPath: string; keyPath: string } | undefined;
  origin: OriginOptions;
  logger: Logger;
}

export interface RequestHandler {
  dispatch(payload: unknown, sink: ClientConnection): void;
  onSinkClosed(sink: ClientConnection): void;
}

function offersJanusProtocol(req: IncomingMessage): boolean {
  const header = req.headers['sec-websocket-protocol'];
  return typeof header === 'string' && header.split(',').some((p) => p.trim() === JANUS_SUBPROTOCOL);
}

export class WsTransport {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<ClientConnection>();
  private nextConnectionId = 1;

  constructor(
    private readonly options: WsTransportOptions,
    private readonly handler: RequestHandler,
  ) {
    this.server = options.tls
      ? createHttpsServer({ cert: readFileSync(options.tls.certPath), key: readFileSync(options.tls.keyPath) })
      : createHttpServer();
    this.server.on('request', (_req, res) => {
      res.writeHead(426, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 426, reason: 'WebSocket upgrade required' }));
    });
    // A hard cap well above the soft limit, so an oversized frame usually still gets a Janus error first.
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes * 4,
      perMessageDeflate: false,
      handleProtocols: () => JANUS_SUBPROTOCOL,
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.onUpgrade(req, socket, head);
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  listen(): Promise<AddressInfo> {
    return listenOn(this.server, this.options.host, this.options.port);
  }

  /** Asks every client to go (1001): their sessions wait for a claim, here or on another proxy. */
  closeClients(): void {
    for (const conn of this.connections) conn.goAway();
  }

  async close(): Promise<void> {
    for (const conn of this.connections) conn.terminate();
    await new Promise<void>((resolve) => this.server.close(() => { resolve(); }));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    if (!offersJanusProtocol(req)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nUnsupported WebSocket subprotocol\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      this.accept(ws, req);
    });
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const id = `ws-${this.nextConnectionId++}`;
    const conn = new ClientConnection(id, ws, clientOrigin(req, this.options.origin), {
      maxMessageBytes: this.options.maxMessageBytes,
      maxBufferedBytes: this.options.maxBufferedBytes,
      json: this.options.json,
      pingIntervalMs: this.options.pingIntervalMs,
      logger: this.options.logger.child({ conn: id, remote: req.socket.remoteAddress }),
      onRequest: (payload) => { this.handler.dispatch(payload, conn); },
      onClose: () => {
        this.connections.delete(conn);
        this.handler.onSinkClosed(conn);
      },
    });
    this.connections.add(conn);
  }
}
