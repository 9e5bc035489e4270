/**
 * Bearer-token authentication for the admin API. Operators use the admin token; sentinels may use
 * their own tokens, accepted only on the report route. A `token` query parameter is accepted too,
 * so that sentinels which cannot set headers (the original janus-cloud's) can still report.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { httpErrors } from './errors.js';

function presented(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  const query = request.query as { token?: unknown } | undefined;
  return typeof query?.token === 'string' ? query.token : undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Throws 401 without a token and 403 with a token that is not among `accepted`. */
export function requireToken(request: FastifyRequest, accepted: readonly string[]): void {
  const token = presented(request);
  if (token === undefined) throw httpErrors.unauthorized();
  if (!accepted.some((t) => same(t, token))) throw httpErrors.forbidden();
}
