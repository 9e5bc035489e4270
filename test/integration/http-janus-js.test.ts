// The official janus.js (npm janus-gateway) in headless Chromium over the proxy's HTTP transport:
// janus.js picks REST + long polls for an http:// server URL. An EchoTest with media through the
// proxy in front of two real Janus hosts in network namespaces (as janus-js-browser.test.ts does over
// WebSocket), then the sendBeacon `destroy` janus.js sends (as text/plain) when the page unloads.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleMessage, Page } from 'playwright-core';
import { startBrowserCluster, type BrowserCluster } from '../support/browser-cluster.js';
import { e2ePageRoutes } from '../support/e2e-pages.js';
import { CHROMIUM, describeBrowser } from '../support/chromium.js';
import { onlySpareSessionsLeft } from '../support/cluster-helpers.js';
import { pollUntil } from '../support/processes.js';

const TIMEOUT = 15_000; // Chromium under CPU contention: see the reference, section 3

const ROUTES = e2ePageRoutes('echotest');

/** The parts of test/e2e-pages/echotest.js's window.echo this test reads. */
type Frame = { dir: 'in' | 'out' | 'close'; at: number; data: string; url?: string };
type EchoState = {
  error: string | null;
  webrtcUp: boolean;
  media: { audio: boolean | null; video: boolean | null };
  result: string | null;
  destroyed: boolean;
  frames: Frame[];
};
type InboundStats = { audioPackets: number; videoPackets: number; framesDecoded: number; remoteAddress: string | null };
type EchoWindow = {
  echo: {
    state: EchoState;
    start(o: { server: string; timeoutMs: number }): Promise<{ sessionId: number; handleId: number }>;
    session(o: { server: string; timeoutMs: number }): Promise<number>;
    inbound(o: { minPackets: number; minFrames: number; timeoutMs: number }): Promise<InboundStats>;
    stop(o: { timeoutMs: number }): Promise<void>;
  };
};

describeBrowser('official janus.js in headless Chromium over the proxy\'s HTTP transport', {}, () => {

  let cluster: BrowserCluster | undefined;
  before(async () => {
    cluster = await startBrowserCluster({ chromium: CHROMIUM, janus: { plugins: ['echotest'] }, routes: ROUTES, timeoutMs: TIMEOUT });
  });
  after(() => cluster?.stop());

  async function openPage(consoleLines: string[]): Promise<Page> {
    const page = await cluster!.browser.context.newPage();
    page.on('console', (m: ConsoleMessage) => { consoleLines.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e: Error) => { consoleLines.push(`pageerror: ${e.message}`); });
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(`${cluster!.web.url}/echotest.html`, { timeout: TIMEOUT });
    return page;
  }

  /** Run `body`; on failure, append the page's HTTP bodies and console to the error. */
  async function withDiagnostics(page: Page, consoleLines: string[], body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      const state = await page.evaluate(() => (window as unknown as EchoWindow).echo.state).catch(() => undefined);
      const frames = state?.frames.slice(-40).map((f) => `${f.dir} ${f.url ?? ''} ${f.data.replace(/\s+/g, ' ')}`).join('\n') ?? '(no page state)';
      const detail = `\n--- page state ---\n${JSON.stringify({ ...state, frames: undefined })}\n--- last HTTP bodies ---\n${frames}` +
        `\n--- console ---\n${consoleLines.slice(-40).join('\n')}`;
      if (err instanceof Error) err.message += detail;
      throw err;
    }
  }

  it('EchoTest over HTTP: long polls carry webrtcup and media events, RTP flows, detach and destroy are clean', async () => {
    const consoleLines: string[] = [];
    const page = await openPage(consoleLines);
    await withDiagnostics(page, consoleLines, async () => {
      const ids = await page.evaluate((o) => (window as unknown as EchoWindow).echo.start(o), { server: cluster!.proxy.httpUrl!, timeoutMs: TIMEOUT });
      assert.ok(ids.sessionId > 0 && ids.handleId > 0, `ids ${JSON.stringify(ids)}`);
      await page.waitForFunction(() => {
        const s = (window as unknown as EchoWindow).echo.state;
        return s.error !== null || (s.webrtcUp && s.media.audio === true && s.media.video === true);
      }, undefined, { timeout: TIMEOUT });
      const state = await page.evaluate(() => (window as unknown as EchoWindow).echo.state);
      assert.equal(state.error, null);
      assert.equal(state.result, 'ok', 'echotest answered result ok');
      // janus.js polls with maxev=10: every poll answer is an array.
      const polls = state.frames.filter((f) => f.dir === 'in' && f.url?.includes('maxev=10'));
      assert.ok(polls.length > 0 && polls.every((f) => f.data.trimStart().startsWith('[')), 'long polls answered with arrays');
      assert.ok(state.frames.every((f) => f.url === undefined || f.url.startsWith(cluster!.proxy.httpUrl!)), 'janus.js talked HTTP to the proxy');

      const stats = await page.evaluate((o) => (window as unknown as EchoWindow).echo.inbound(o), { minPackets: 10, minFrames: 1, timeoutMs: TIMEOUT });
      assert.ok(stats.audioPackets > 0 && stats.videoPackets > 0 && stats.framesDecoded > 0, `inbound-rtp ${JSON.stringify(stats)}`);
      assert.ok(cluster!.janus.some((j) => j.host === stats.remoteAddress), `media goes straight to a Janus host: ${JSON.stringify(stats)}`);

      await page.evaluate((o) => (window as unknown as EchoWindow).echo.stop(o), { timeoutMs: TIMEOUT });
      assert.equal((await page.evaluate(() => (window as unknown as EchoWindow).echo.state)).destroyed, true, 'janus.js destroyed callback');
      await pollUntil('only spare sessions left on the Janus servers', async () => {
        const done = await Promise.all(cluster!.janus.map((j) => onlySpareSessionsLeft(j)));
        return done.every(Boolean) ? true : undefined;
      }, 5_000);
    });
    await page.close();
  });

  it('destroys the session janus.js sends by sendBeacon (text/plain) when the page unloads', async () => {
    const consoleLines: string[] = [];
    const page = await openPage(consoleLines);
    await withDiagnostics(page, consoleLines, async () => {
      const sessionId = await page.evaluate((o) => (window as unknown as EchoWindow).echo.session(o), { server: cluster!.proxy.httpUrl!, timeoutMs: TIMEOUT });
      assert.ok(cluster!.proxy.sessions.get(sessionId), 'the proxy has the session');
      await page.goto('about:blank'); // beforeunload: janus.js destroys its sessions with sendBeacon
      await pollUntil('the beacon to destroy the session', () => (cluster!.proxy.sessions.get(sessionId) ? undefined : true), 5_000);
    });
    await page.close();
  });
});
