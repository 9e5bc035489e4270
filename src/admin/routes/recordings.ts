/**
 * Recordings across the cluster: `GET /recordings` asks every live sentinel that gave its REST URL
 * (in its reports) for its list, with the same filters, and tags each recording with its server;
 * `GET /recordings/:server/:id/:file` streams a file from the sentinel that holds it, passing the
 * Range header through so players and resumed downloads work. A sentinel that does not answer is
 * reported in `errors`, it does not fail the whole list.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isExpired, type ServerRecord } from '../../protocol/server-record.js';
import { recordingFilter } from '../../recordings/filter.js';
import type { AdminContext } from '../context.js';
import { HttpError, httpErrors } from '../errors.js';
import { validate } from '../validate.js';

export interface RecordingsOptions {
  /** The sentinels' REST token. */
  sentinelToken: string | undefined;
  requestTimeoutMs: number;
}

const fileParams = z.object({ server: z.string().min(1), id: z.string().min(1), file: z.enum(['mjr', 'output', 'log', 'muxed']) });
/** Headers of the sentinel's answer a download passes on. */
const PASSED_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'content-disposition'];

type Listed = Record<string, unknown>;

export function recordingRoutes(app: FastifyInstance, ctx: AdminContext, options: RecordingsOptions): void {
  const ask = (record: ServerRecord, path: string, headers: Record<string, string> = {}): Promise<Response> => {
    if (options.sentinelToken === undefined) throw new HttpError(503, 'recordings.sentinel_token is not configured');
    return fetch(`${record.sentinel_url ?? ''}${path}`, {
      headers: { authorization: `Bearer ${options.sentinelToken}`, ...headers }, signal: AbortSignal.timeout(options.requestTimeoutMs),
    });
  };

  app.get('/recordings', { preHandler: ctx.adminOnly }, async (request) => {
    const filter = validate(recordingFilter, request.query);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filter) as [string, string | number | undefined][]) if (value !== undefined) params.set(key, String(value));
    const query = params.toString();
    const now = ctx.now();
    const servers = (await ctx.cluster.registry.list()).filter((r) => r.sentinel_url !== undefined && !isExpired(r, now));
    const answers = await Promise.all(servers.map(async (server) => {
      try {
        const reply = await ask(server, `/recordings${query ? `?${query}` : ''}`);
        const body = await reply.json() as { recordings?: Listed[]; reason?: string };
        if (!reply.ok) return { server: server.name, error: `HTTP ${String(reply.status)}: ${body.reason ?? ''}` };
        return { server: server.name, recordings: body.recordings ?? [] };
      } catch (err) {
        if (err instanceof HttpError) throw err;
        return { server: server.name, error: err instanceof Error ? err.message : String(err) };
      }
    }));
    return {
      recordings: answers.flatMap((a) => (a.recordings ?? []).map((r) => ({ ...r, server: a.server }))),
      errors: answers.flatMap((a) => (a.error === undefined ? [] : [{ server: a.server, reason: a.error }])),
    };
  });

  app.get('/recordings/:server/:id/:file', { preHandler: ctx.adminOnly }, async (request, reply) => {
    const { server, id, file } = validate(fileParams, request.params);
    const record = await ctx.cluster.registry.get(server);
    if (record?.sentinel_url === undefined) throw httpErrors.notFound(`Sentinel of backend server '${server}'`);
    const range = request.headers.range;
    let answer: Response;
    try {
      answer = await ask(record, `/recordings/${encodeURIComponent(id)}/${file}`, range === undefined ? {} : { range });
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(502, `sentinel of '${server}' did not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
    reply.code(answer.status);
    for (const name of PASSED_HEADERS) {
      const value = answer.headers.get(name);
      if (value !== null) reply.header(name, value);
    }
    if (!answer.body) return reply.send();
    return reply.send(Readable.fromWeb(answer.body as WebReadableStream<Uint8Array>));
  });
}
