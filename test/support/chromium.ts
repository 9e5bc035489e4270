// Headless Debian Chromium driven by playwright-core, for the janus.js browser test.
// Facts behind the flags: /work/shared/reference/real-media-testing.md, section 3.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestOptions } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { onCleanup } from './processes.js';

/** The real binary first (leaner than Debian's /usr/bin/chromium shell wrapper). */
const CANDIDATES = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];

export function findChromium(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

/**
 * Browser suites are never skipped silently: they run unless this variable is `1`, an explicit
 * opt-out that CI never sets. Without it a missing Chromium fails the suite (launchChromium).
 */
export const BROWSER_OPT_OUT_ENV = 'JANUS_CLOUD_SKIP_BROWSER_TESTS';

/** The Chromium binary browser tests use (undefined when missing: launchChromium then fails). */
export const CHROMIUM = findChromium();
/** The browser suites' `skip` option: a reason only when opted out, shown in the test summary. */
export const CHROMIUM_SKIP: string | false = process.env[BROWSER_OPT_OUT_ENV] === '1'
  ? `browser tests opted out by ${BROWSER_OPT_OUT_ENV}=1`
  : false;


/**
 * A browser suite: a `describe` unless opted out. Opted out it is one skipped test with the reason,
 * because node:test leaves skipped suites out of its summary's `skipped` count.
 */
export function describeBrowser(name: string, options: TestOptions, fn: () => void): void {
  if (CHROMIUM_SKIP === false) {
    describe(name, options, fn);
    return;
  }
  it(`${name} (browser suite)`, { skip: CHROMIUM_SKIP }, () => undefined);
}

const MISSING_CHROMIUM = `Chromium is not installed (${CANDIDATES.join(' or ')}): run scripts/install-deps.sh ` +
  `(or apt-get install -y chromium), or set ${BROWSER_OPT_OUT_ENV}=1 to skip the browser suites explicitly`;

/**
 * Playwright's own --disable-features list (playwright-core 1.65.1, chromiumSwitches.ts). Chromium honours
 * only the LAST --disable-features switch and Playwright puts ours after its own, so ours must repeat its
 * list; launchChromium() checks on the running browser's command line that nothing of it got lost.
 */
const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades', 'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay', 'MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning', 'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin', 'OptimizationHints', 'NetworkTimeServiceQuerying', 'AimEnabled', 'PreconnectToSearch',
  'msForceBrowserSignIn', 'msEdgeUpdateLaunchServicesPreferredVersion',
];

/**
 * Flags from the reference, plus two that keep Chromium off the wire (measured on eth0 with these
 * removed: DNS queries for accounts.google.com and update.googleapis.com at startup, and IGMP
 * join/leave of 224.0.0.251 by WebRTC's mDNS responder):
 * - --host-resolver-rules (hostResolverRules below): no DNS at all; the tests only use IP literals.
 * - WebRtcHideLocalIpsWithMdns off: no mDNS responder. With the fake-UI media permission Chromium
 *   offers real host IPs anyway.
 * Fake devices + fake UI: getUserMedia works headless without a prompt.
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
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, 'WebRtcHideLocalIpsWithMdns'].join(',')}`,
];

/** No DNS; only loopback and `reachable` (host patterns, e.g. the test namespaces' '10.213.*') are connected to. */
function hostResolverRules(reachable: readonly string[]): string {
  return `--host-resolver-rules=${['MAP * ~NOTFOUND', ...['127.0.0.1', ...reachable].map((h) => `EXCLUDE ${h}`)].join(' , ')}`;
}

/** Command lines of this process' chromium children (Playwright spawns the browser directly). */
function chromiumChildCommandLines(): string[][] {
  const lines: string[][] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      lines.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean));
    } catch {
      // The process went away while we looked.
    }
  }
  return lines.filter((argv) => argv.some((a) => a.startsWith('--user-data-dir=') || a.includes('chromium')));
}

/** Throws if the --disable-features that Chromium uses (the last) drops one that Playwright asked for. */
function checkDisabledFeatures(profileDir: string): void {
  const argv = chromiumChildCommandLines().find((a) => a.some((x) => x.includes(profileDir)));
  if (!argv) throw new Error(`cannot find the chromium process for ${profileDir} among this process' children`);
  const lists = argv.filter((a) => a.startsWith('--disable-features=')).map((a) => a.slice('--disable-features='.length).split(','));
  const effective = new Set(lists.at(-1) ?? []);
  const lost = lists.flat().filter((f) => !effective.has(f));
  if (lost.length > 0) {
    throw new Error(`--disable-features would re-enable ${lost.join(', ')}: add them to PLAYWRIGHT_DISABLED_FEATURES in test/support/chromium.ts`);
  }
}

export type ChromiumBrowser = {
  context: BrowserContext;
  profileDir: string;
  /** Close the browser and delete the profile dir. Idempotent, never throws. */
  close(): Promise<void>;
};

// Not the janus-cloud- prefix: temp-dirs.ts owns that namespace (dirs with owner.json).
const PROFILE_PREFIX = 'jc-chromium-profile-';

export type ChromiumOptions = {
  /** Flags a suite needs on top of ARGS (a page's own requirements, say its autoplay policy). */
  args?: readonly string[];
  /** Host patterns Chromium may connect to besides 127.0.0.1 (e.g. a Janus in a test namespace). */
  reachable?: readonly string[];
};

export async function launchChromium(executablePath: string | undefined, timeoutMs = 15_000, opts: ChromiumOptions = {}): Promise<ChromiumBrowser> {
  if (executablePath === undefined || !existsSync(executablePath)) throw new Error(MISSING_CHROMIUM);
  const profileDir = mkdtempSync(join(tmpdir(), PROFILE_PREFIX));
  // If the test process dies without after(): Playwright kills the browser on exit, we drop the profile.
  const unregister = onCleanup(`rm ${profileDir}`, () => { rmSync(profileDir, { recursive: true, force: true }); });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, { executablePath, headless: true, args: [...ARGS, hostResolverRules(opts.reachable ?? []), ...(opts.args ?? [])], timeout: timeoutMs });
  } catch (err) {
    rmSync(profileDir, { recursive: true, force: true });
    unregister();
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await context.close().catch(() => undefined);
      await rm(profileDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      unregister();
    })();
    return closing;
  };
  try {
    checkDisabledFeatures(profileDir);
  } catch (err) {
    await close();
    throw err;
  }
  return { context, profileDir, close };
}
