/**
 * The admin REST API (fastify) on its own port: backend servers, sentinel reports, placement
 * explanations, health. Bearer-token authentication on everything but health and the API document;
 * errors are `{code, reason}` JSON with the matching HTTP status, never a stack trace.
 */
import type { ProxyDrain } from '../drain.js';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { Cluster } from '../cluster/cluster.js';
import type { OutgoingMessage } from '../protocol/messages.js';
import { HttpError, errorBody } from './errors.js';
import { requireToken } from './auth.js';
import { backendRoutes } from './routes/backends.js';
import { statusRoutes } from './routes/status.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { recordingRoutes, type RecordingsOptions } from './routes/recordings.js';
import { LiveFeed, type LiveSource } from './live-feed.js';
import { registerWebUi } from './static.js';
import { openApiDocument } from './openapi.js';
import type { AdminContext } from './context.js';
import { operatorRoutes, type OperatorDeps } from './routes/operator.js';
import { proxyRoutes } from './routes/proxies.js';
import { roomRoutes, type RoomsDeps } from './routes/rooms.js';
import type { ProxyDirectory } from '../store/proxy-directory.js';

export interface AdminApiOptions {
  host: string;
  port: number;
  token: string;
  sentinelTokens: readonly string[];
  corsOrigins: readonly string[];
  /** Serve /metrics without a token (for a Prometheus that cannot send one). */
  metricsPublic: boolean;
  /** How to reach the sentinels for their recordings. */
  recordings?: RecordingsOptions;
  logger: Logger;
}

export interface AdminApiDeps {
  cluster: Cluster;
  info(): OutgoingMessage;
  metrics: { text(): Promise<string>; readonly contentType: string };
  /** Live figures for the dashboard (`GET /events`) and the demo pages (`GET /sessions/{id}`). */
  live: LiveSource;
  /** Tokens, sessions with their handles and backends, pcap (the Janus Admin API's requests behind REST routes). */
  operator?: OperatorDeps | undefined;
  /** Graceful stop (`POST /drain`, `/readyz`). */
  drain?: ProxyDrain | undefined;
  /** The cluster's live proxies (`GET /proxies`). */
  proxies?: ProxyDirectory | undefined;
  /** The cluster's rooms with their participants (`GET /rooms`). */
  rooms?: RoomsDeps | undefined;
}

const MAX_BODY_BYTES = 256 * 1024;

export class AdminApi {
  private readonly app: FastifyInstance;

  constructor(deps: AdminApiDeps, private readonly options: AdminApiOptions) {
    this.app = Fastify({ bodyLimit: MAX_BODY_BYTES, logger: false });
    const adminTokens = [options.token];
    const sentinelTokens = [options.token, ...options.sentinelTokens];
    const ctx: AdminContext = {
      cluster: deps.cluster,
      info: () => deps.info(),
      drain: deps.drain,
      now: Date.now,
      adminOnly: (request: FastifyRequest, _reply, done) => { requireToken(request, adminTokens); done(); },
      sentinelOrAdmin: (request: FastifyRequest, _reply, done) => { requireToken(request, sentinelTokens); done(); },
    };
    void this.app.register(formbody);
    if (options.corsOrigins.length > 0) {
      void this.app.register(cors, { origin: options.corsOrigins.includes('*') ? '*' : [...options.corsOrigins], allowedHeaders: ['Authorization', 'Content-Type'] });
    }
    this.app.setErrorHandler((err: unknown, _request, reply) => {
      if (err instanceof HttpError) return reply.code(err.status).send(errorBody(err.status, err.message));
      const { statusCode, message } = err as { statusCode?: unknown; message?: unknown };
      // Fastify's own 4xx (bad JSON, body too large, bad content type) keep their status and text.
      const status = typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : 500;
      if (status === 500) options.logger.error({ err }, 'admin API request failed');
      return reply.code(status).send(errorBody(status, status === 500 || typeof message !== 'string' ? 'Internal error' : message));
    });
    this.app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody(404, `No route ${request.method} ${request.url.split('?')[0] ?? ''}`)));
    const feed = new LiveFeed(deps.cluster, deps.live, options.logger, () => ctx.now());
    // Before the server closes: SSE streams never end by themselves and would hold close() up.
    this.app.addHook('preClose', (done) => { feed.close(); done(); });
    registerWebUi(this.app);
    void this.app.register((scope, _opts, done) => {
      backendRoutes(scope, ctx);
      statusRoutes(scope, ctx);
      dashboardRoutes(scope, ctx, feed, deps.live);
      recordingRoutes(scope, ctx, options.recordings ?? { sentinelToken: undefined, requestTimeoutMs: 5_000 });
      if (deps.operator) operatorRoutes(scope, ctx, deps.operator);
      if (deps.proxies) proxyRoutes(scope, ctx, deps.proxies);
      if (deps.rooms) roomRoutes(scope, ctx, deps.rooms);
      const document = openApiDocument();
      scope.get('/openapi.json', () => document);
      scope.get('/metrics', { preHandler: options.metricsPublic ? [] : ctx.adminOnly }, async (_request, reply) => {
        return reply.type(deps.metrics.contentType).send(await deps.metrics.text());
      });
      done();
    });
  }

  async listen(): Promise<AddressInfo> {
    await this.app.listen({ host: this.options.host, port: this.options.port });
    return this.app.server.address() as AddressInfo;
  }

  close(): Promise<void> {
    return this.app.close();
  }
}
