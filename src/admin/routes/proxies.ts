/** `GET /proxies`: every live proxy of the cluster (workers of `--workers N` included), as each describes itself. */
import type { FastifyInstance } from 'fastify';
import type { AdminContext } from '../context.js';
import type { ProxyDirectory } from '../../store/proxy-directory.js';
import { HttpError } from '../errors.js';

export function proxyRoutes(app: FastifyInstance, ctx: AdminContext, proxies: ProxyDirectory): void {
  app.get('/proxies', { preHandler: ctx.adminOnly }, async () => {
    try {
      return { proxies: await proxies.list() };
    } catch (err) {
      throw new HttpError(503, `The store cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}
