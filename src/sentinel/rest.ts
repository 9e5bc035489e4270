/**
 * The sentinel's REST API (fastify): `GET /healthz` (open), and with a bearer token `GET /info`,
 * `POST /maintenance {enabled}`, `POST /drain {enabled?, timeout_ms?}`, `POST /restart`, and the
 * recordings (`GET /recordings`, `GET /recordings/:id/:file`).
 * Errors are `{code, reason}` from one catalogue; nothing leaks a stack trace.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { checkBearer } from './rest-auth.js';
import { RestError } from './rest-errors.js';
import type { RecordingIndex } from './recordings/recording-index.js';
import { registerRecordingRoutes } from './recordings/recording-routes.js';

/** What the REST API may do to the sentinel. */
export interface SentinelControl {
  info(): object;
  /** Prometheus text and its content type. */
  metrics(): Promise<{ contentType: string; text: string }>;
  setMaintenance(enabled: boolean): Promise<void>;
  /** Starts (or cancels) a drain without waiting for it to finish. */
  drain(enabled: boolean, timeoutMs: number | undefined): Promise<void>;
  restart(): Promise<void>;
  /** The recording index, when recordings are enabled. */
  recordings(): RecordingIndex | undefined;
}

export interface RestOptions {
  host: string;
  port: number;
  token: string;
  logger: Logger;
}

const maintenanceBody = z.strictObject({ enabled: z.boolean() });
const drainBody = z.strictObject({ enabled: z.boolean().default(true), timeout_ms: z.number().int().min(0).optional() }).prefault({});

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? undefined);
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new RestError('bad_request', detail);
}

function sendError(reply: FastifyReply, err: RestError): FastifyReply {
  return reply.code(err.status).send(err.toJSON());
}

export async function startRestApi(control: SentinelControl, options: RestOptions): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.url === '/healthz') return;
    const check = checkBearer(request.headers.authorization, options.token);
    if (check === 'missing') return sendError(reply, new RestError('unauthorized'));
    if (check === 'wrong') return sendError(reply, new RestError('forbidden'));
  });
  app.setNotFoundHandler((_request, reply) => sendError(reply, new RestError('not_found')));
  app.setErrorHandler((err: unknown, request, reply) => {
    if (err instanceof RestError) return sendError(reply, err);
    const status = typeof err === 'object' && err !== null && 'statusCode' in err ? Number(err.statusCode) : 500;
    if (status >= 400 && status < 500) return sendError(reply, new RestError('bad_request', err instanceof Error ? err.message : undefined));
    options.logger.error({ err, url: request.url }, 'sentinel REST request failed');
    return sendError(reply, new RestError('internal'));
  });

  app.get('/healthz', () => ({ ok: true }));
  app.get('/info', () => control.info());
  app.get('/metrics', async (_request, reply) => {
    const { contentType, text } = await control.metrics();
    return reply.type(contentType).send(text);
  });
  app.post('/maintenance', async (request) => {
    await control.setMaintenance(parseBody(maintenanceBody, request.body).enabled);
    return control.info();
  });
  app.post('/drain', async (request, reply) => {
    const body = parseBody(drainBody, request.body);
    await control.drain(body.enabled, body.timeout_ms);
    return reply.code(body.enabled ? 202 : 200).send(control.info());
  });
  app.post('/restart', async () => {
    await control.restart();
    return control.info();
  });

  registerRecordingRoutes(app, () => control.recordings());

  const address = await app.listen({ host: options.host, port: options.port });
  options.logger.info({ url: address }, 'sentinel REST API listening');
  const { port } = new URL(address);
  const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host.includes(':') ? `[${options.host}]` : options.host;
  return { app, url: `http://${host}:${port}` };
}
