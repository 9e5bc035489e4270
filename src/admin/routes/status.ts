/** Info, ping, health, readiness and placement explanations. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AdminContext } from '../context.js';
import { validate } from '../validate.js';
import { rejectionReason } from '../../cluster/selection.js';

const explainQuery = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(20), token: z.string().optional() });

export function statusRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get('/info', { preHandler: ctx.adminOnly }, () => ctx.info());
  app.get('/ping', { preHandler: ctx.adminOnly }, () => 'pong');
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (ctx.drain?.draining) return reply.code(503).send({ code: 503, reason: 'Draining: this proxy takes no new sessions' });
    const selectable = [...ctx.cluster.backends.values()].filter((b) => rejectionReason(b.snapshot()) === undefined);
    if (selectable.length > 0) return { status: 'ready', selectable_backends: selectable.length };
    return reply.code(503).send({ code: 503, reason: 'No backend server can take new sessions' });
  });
  app.post('/drain', { preHandler: ctx.adminOnly }, (_request, reply) => {
    const drain = ctx.drain;
    if (!drain) return reply.code(404).send({ code: 404, reason: 'This proxy cannot drain' });
    void drain.start();
    return { status: 'draining', grace_s: drain.graceS };
  });
  app.get('/placement/explain', { preHandler: ctx.adminOnly }, (request) => {
    const { limit } = validate(explainQuery, request.query);
    return { decisions: ctx.cluster.explain(limit) };
  });
}
