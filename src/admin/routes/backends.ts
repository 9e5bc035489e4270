/** Backend server routes: list, read, add/update, remove, drain and undrain, sentinel reports. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { serverReportSchema } from '../../protocol/server-record.js';
import type { AdminContext } from '../context.js';
import { backendView } from '../views.js';
import { httpErrors } from '../errors.js';
import { validate } from '../validate.js';
import { fromLegacyReport, isLegacyReport } from '../legacy-report.js';

const nameParams = z.object({ name: z.string() });

export function backendRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const view = async (name: string): Promise<unknown> => {
    const record = await ctx.cluster.registry.get(name);
    if (!record) throw httpErrors.notFound(`Backend server '${name}'`);
    return backendView(record, ctx.cluster.backends.get(name), ctx.now());
  };

  app.get('/backend_servers', { preHandler: ctx.adminOnly }, async () => {
    const records = await ctx.cluster.registry.list();
    return records.map((r) => backendView(r, ctx.cluster.backends.get(r.name), ctx.now())).sort((a, b) => a.name.localeCompare(b.name));
  });

  app.get('/backend_servers/:name', { preHandler: ctx.adminOnly }, async (request) => {
    const { name } = validate(nameParams, request.params);
    return view(name);
  });

  app.post('/backend_servers', { preHandler: ctx.adminOnly }, async (request) => {
    const report = validate(serverReportSchema, request.body);
    const record = await ctx.cluster.registry.report(report, 'rest');
    return backendView(record, ctx.cluster.backends.get(record.name), ctx.now());
  });

  app.delete('/backend_servers/:name', { preHandler: ctx.adminOnly }, async (request) => {
    const { name } = validate(nameParams, request.params);
    if (!(await ctx.cluster.registry.remove(name))) throw httpErrors.notFound(`Backend server '${name}'`);
    return { removed: name };
  });

  for (const [action, drained] of [['drain', true], ['undrain', false]] as const) {
    app.post(`/backend_servers/:name/${action}`, { preHandler: ctx.adminOnly }, async (request) => {
      const { name } = validate(nameParams, request.params);
      if (!(await ctx.cluster.registry.setDrained(name, drained))) throw httpErrors.notFound(`Backend server '${name}'`);
      return view(name);
    });
  }

  app.post('/sentinel_callback', { preHandler: ctx.sentinelOrAdmin }, async (request) => {
    const body = isLegacyReport(request.body) ? fromLegacyReport(request.body) : request.body;
    const report = validate(serverReportSchema, body);
    return ctx.cluster.registry.report(report, 'sentinel');
  });
}
