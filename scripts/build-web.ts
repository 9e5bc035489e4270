// `npm run build:web`: builds the dashboard and the demo pages (web/ → web/dist) with Vite, and
// copies the official janus.js and webrtc-adapter next to them (web/dist/vendor/), so the admin API
// serves everything itself: no CDN at run time. `--if-stale` builds only when a source is newer than
// the last build (scripts/install-deps.sh and the browser tests use it).
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WEB = join(ROOT, 'web');
const DIST = join(WEB, 'dist');
const STAMP = join(DIST, '.build-stamp');
/** Besides web/ itself: the wire types the pages import, this script and the installed packages. */
const OTHER_INPUTS = ['src/admin/dashboard-types.ts', 'scripts/build-web.ts', 'package-lock.json'].map((p) => join(ROOT, p));

const require = createRequire(import.meta.url);
const VENDOR: Record<string, string> = {
  'vendor/janus.js': join(dirname(require.resolve('janus-gateway/package.json')), 'npm', 'src', 'janus.js'),
  'vendor/adapter.js': join(dirname(require.resolve('webrtc-adapter/package.json')), 'out', 'adapter.js'),
};

/** Every file under `dir`, skipping web/dist and node_modules. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === DIST || entry.name === 'node_modules' ? [] : files(path);
    return [path];
  });
}

function isStale(): boolean {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return [...files(WEB), ...OTHER_INPUTS].some((file) => statSync(file).mtimeMs > built);
}

async function buildWeb(): Promise<void> {
  const { build } = await import('vite');
  const pages = files(WEB).filter((f) => f.endsWith('.html'));
  const input = Object.fromEntries(pages.map((page) => [relative(WEB, page).replace(/\.html$/, ''), page]));
  await build({
    configFile: false,
    root: WEB,
    base: '/',
    logLevel: 'warn',
    publicDir: false,
    // Vite 7 compiles TS/TSX with esbuild: Preact's automatic JSX runtime needs no plugin.
    esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
    build: {
      outDir: DIST,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      rollupOptions: { input },
    },
    plugins: [
      {
        name: 'janus-cloud-vendor',
        generateBundle() {
          for (const [fileName, path] of Object.entries(VENDOR)) this.emitFile({ type: 'asset', fileName, source: readFileSync(path) });
        },
      },
    ],
  });
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  console.log(`web UI built: ${relative(ROOT, DIST)} (${String(pages.length)} pages)`);
}

const { values } = parseArgs({ options: { 'if-stale': { type: 'boolean', default: false } } });
if (!values['if-stale'] || isStale()) {
  await buildWeb();
}
