/**
 * The built web UI (web/dist: the dashboard at `/`, demo pages under `/demos/`, janus.js and
 * webrtc-adapter under `/vendor/`) served by the admin API. Static files need no token: the pages
 * ask for it once and send it on their API calls, which stay authenticated.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** web/dist, from src/admin/ when run from source and from dist/admin/ when built. */
export const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>Janus Cloud</title>
<p>The dashboard is not built. Run <code>npm run build:web</code> (or <code>scripts/install-deps.sh</code>) and reload.</p>`;

/**
 * Pages load scripts, styles and janus.js from this server only; they talk to the admin API here
 * and to the proxy's Janus API over WebSocket or HTTP, whichever host a demo page is pointed at.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self' ws: wss: http: https:",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "style-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function registerWebUi(app: FastifyInstance, root = WEB_ROOT): void {
  if (!existsSync(join(root, 'index.html'))) {
    app.get('/', (_request, reply) => reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE));
    return;
  }
  void app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: 'index.html',
    redirect: true,
    dotfiles: 'ignore',
    setHeaders(reply, path) {
      // Vite names assets by content hash, so they never change; pages must always be fresh.
      const hashed = path.includes(`${join(root, 'assets')}/`);
      reply.header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
    },
  });
}
