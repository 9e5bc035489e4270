// The files a janus.js test page is served with: the page, its script, the shared page kit and the
// official janus.js and adapter.js from node_modules (no CDN).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const PAGES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'e2e-pages');

export function e2ePageRoutes(page: 'echotest' | 'videocall' | 'videoroom'): Readonly<Record<string, string>> {
  return {
    [`/${page}.html`]: join(PAGES_DIR, `${page}.html`),
    [`/${page}.js`]: join(PAGES_DIR, `${page}.js`),
    '/page-kit.js': join(PAGES_DIR, 'page-kit.js'),
    '/vendor/janus.js': join(dirname(require.resolve('janus-gateway/package.json')), 'npm', 'src', 'janus.js'),
    '/vendor/adapter.js': join(dirname(require.resolve('webrtc-adapter/package.json')), 'out', 'adapter.js'),
  };
}
