// Headless Debian Chromium driven by playwright-core, for the janus.js browser test.
// Facts behind the flags: /work/shared/reference/real-media-testing.md, section 3.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { onCleanup } from './processes.js';

/** The real binary first (leaner than Debian's /usr/bin/chromium shell wrapper). */
const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];

export function findChromium(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

/**
 * Do not add a --disable-features here: Playwright passes its own, and Chromium uses only the last one.
 * Fake devices + fake UI: getUserMedia works headless without a prompt, and host candidates are real IPs.
 */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

export type ChromiumBrowser = {
  context: BrowserContext;
  profileDir: string;
  /** Close the browser and delete the profile dir. Idempotent, never throws. */
  close(): Promise<void>;
};

// Not the janus-cloud- prefix: temp-dirs.ts owns that namespace (dirs with owner.json).
const PROFILE_PREFIX = 'jc-chromium-profile-';

export async function launchChromium(executablePath: string, timeoutMs = 15_000): Promise<ChromiumBrowser> {
  const profileDir = mkdtempSync(join(tmpdir(), PROFILE_PREFIX));
  // If the test process dies without after(): Playwright kills the browser on exit, we drop the profile.
  const unregister = onCleanup(`rm ${profileDir}`, () => { rmSync(profileDir, { recursive: true, force: true }); });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, { executablePath, headless: true, args: ARGS, timeout: timeoutMs });
  } catch (err) {
    rmSync(profileDir, { recursive: true, force: true });
    unregister();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    context,
    profileDir,
    close() {
      closing ??= (async () => {
        await context.close().catch(() => undefined);
        await rm(profileDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
        unregister();
      })();
      return closing;
    },
  };
}
