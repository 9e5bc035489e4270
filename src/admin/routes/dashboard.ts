/**
 * Routes behind the web dashboard and the demo pages: the live channel (`GET /events`, Server-Sent
 * Events with a cluster snapshot every second; the token may come as `?token=` because EventSource
 * cannot set headers) and `GET /sessions/{sessionId}`, which tells a demo page the backend each of
 * its handles landed on.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AdminContext } from '../context.js';
import type { LiveFeed, LiveSource } from '../live-feed.js';
import type { SessionView } from '../dashboard-types.js';
import { httpErrors } from '../errors.js';
import { validate } from '../validate.js';

const sessionParams = z.object({ sessionId: z.coerce.number().int().positive() });

function sessionView(source: LiveSource, sessionId: number): SessionView {
  const session = source.sessions.get(sessionId);
  if (!session?.alive) throw httpErrors.notFound(`Session ${String(sessionId)}`);
  return {
    session_id: session.id,
    state: session.state,
    handles: [...session.handles.values()].map((handle) => ({
      handle_id: handle.id,
      plugin: handle.plugin,
      opaque_id: handle.opaqueId,
      backend: handle.pluginHandle?.backendName?.(),
    })),
  };
}

export function dashboardRoutes(app: FastifyInstance, ctx: AdminContext, feed: LiveFeed, source: LiveSource): void {
  app.get('/events', { preHandler: ctx.adminOnly }, (request, reply) => {
    reply.hijack();
    // Headers hooks set on the reply (CORS) would be lost with the hijack: copy them over.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells a buffering reverse proxy (nginx) to pass events through at once.
      'x-accel-buffering': 'no',
    });
    request.raw.socket.setNoDelay(true);
    feed.subscribe(reply.raw);
  });

  app.get('/sessions/:sessionId', { preHandler: ctx.adminOnly }, (request) => {
    const { sessionId } = validate(sessionParams, request.params);
    return sessionView(source, sessionId);
  });
}
