// The built web UI for browser tests, and a reader for the admin API's live channel (SSE).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD_TIMEOUT_MS = 120_000;

/** Builds web/dist when a source is newer than the last build (what install-deps.sh does too). */
export function ensureWebBuilt(): void {
  execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'build-web.ts'), '--if-stale'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: BUILD_TIMEOUT_MS,
  });
  if (!existsSync(join(ROOT, 'web', 'dist', 'index.html'))) throw new Error('web/dist/index.html missing after the build');
}

/** test-artifacts/<name> (the directory is created, and gitignored). */
export function artifactPath(name: string): string {
  const dir = join(ROOT, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/**
 * Reads Server-Sent Events from `url` and hands each `data:` payload (parsed JSON) to `check` until
 * it returns a value other than undefined, which is returned; throws after `timeoutMs`.
 */
export async function readEvents<T>(url: string, check: (data: unknown) => T | undefined, timeoutMs: number): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => { controller.abort(); }, timeoutMs);
  let seen = 0;
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (response.status !== 200 || !response.body) throw new Error(`GET ${url} → ${String(response.status)}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data === '') continue;
        seen++;
        const result = check(JSON.parse(data));
        if (result !== undefined) return result;
      }
    }
    throw new Error(`the event stream ended after ${String(seen)} events`);
  } catch (err) {
    if (controller.signal.aborted) throw new Error(`no matching event within ${String(timeoutMs)} ms (${String(seen)} events seen)`);
    throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** Console lines and page errors of `page`, for failure messages. */
export function captureConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m) => { lines.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => { lines.push(`pageerror: ${e.message}`); });
  return lines;
}
