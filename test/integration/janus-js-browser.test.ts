// The official janus.js (npm janus-gateway, with webrtc-adapter) in headless Chromium does an
// EchoTest through the proxy in front of two real Janus hosts, each in its own network namespace.
// Signalling goes browser -> proxy (ws://127.0.0.1) -> Janus; media goes browser <-> Janus over the veth.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleMessage, Page } from 'playwright-core';
import { startBrowserCluster, type BrowserCluster } from '../support/browser-cluster.js';
import { e2ePageRoutes } from '../support/e2e-pages.js';
import { CHROMIUM, describeBrowser } from '../support/chromium.js';
import { handleCounts, onlySpareSessionsLeft } from '../support/cluster-helpers.js';
import { pollUntil } from '../support/processes.js';

const TIMEOUT = 15_000; // Chromium under CPU contention: see the reference, section 3

const ROUTES = e2ePageRoutes('echotest');

/** What test/e2e-pages/echotest.js exposes as window.echo. */
type Frame = { dir: 'in' | 'out' | 'close'; at: number; data: string };
type EchoState = {
  phase: string;
  error: string | null;
  sessionId: number | null;
  handleId: number | null;
  answerHandled: boolean;
  result: string | null;
  webrtcUp: boolean;
  webrtcDown: string | null;
  media: { audio: boolean | null; video: boolean | null };
  iceStates: string[];
  detached: boolean;
  destroyed: boolean;
  frames: Frame[];
  log: string[];
};
type InboundStats = { audioPackets: number; videoPackets: number; framesDecoded: number; remoteAddress: string | null; remotePort: number | null };
type EchoPageApi = {
  state: EchoState;
  start(o: { server: string; timeoutMs: number }): Promise<{ sessionId: number; handleId: number }>;
  inbound(o: { minPackets: number; minFrames: number; timeoutMs: number }): Promise<InboundStats>;
  stop(o: { timeoutMs: number }): Promise<void>;
};
type EchoWindow = { echo: EchoPageApi };

type ParsedFrame = { dir: Frame['dir']; at: number; msg: { janus?: unknown; transaction?: unknown; session_id?: unknown; sender?: unknown } };
function parseFrames(frames: Frame[]): ParsedFrame[] {
  return frames.filter((f) => f.dir !== 'close').map((f) => ({ dir: f.dir, at: f.at, msg: JSON.parse(f.data) as ParsedFrame['msg'] }));
}

/** Index of the one Janus that gained exactly one handle. */
function landedOn(before: number[], after: number[]): number {
  const grew = after.map((n, i) => n - (before[i] ?? 0));
  const index = grew.findIndex((d) => d === 1);
  assert.ok(index >= 0 && grew.filter((d) => d !== 0).length === 1, `expected one new handle on one Janus: ${JSON.stringify({ before, after })}`);
  return index;
}

describeBrowser('official janus.js in headless Chromium through the proxy', {}, () => {
  /** Frames of the EchoTest's teardown, for the second test. */
  let teardown: { sessionId: number; frames: ParsedFrame[] } | undefined;

  let cluster: BrowserCluster | undefined;
  before(async () => {
    cluster = await startBrowserCluster({ chromium: CHROMIUM, janus: { plugins: ['echotest'] }, routes: ROUTES, timeoutMs: TIMEOUT });
  });
  after(() => cluster?.stop());

  /** Run `body`; on failure, append the page's signalling frames and console to the error. */
  async function withPageDiagnostics(page: Page, consoleLines: string[], body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      const state = await page.evaluate(() => (window as unknown as EchoWindow).echo.state).catch(() => undefined);
      const frames = state?.frames.slice(-40).map((f) => `${f.dir} ${f.data}`).join('\n') ?? '(no page state)';
      const detail = `\n--- page state ---\n${JSON.stringify({ ...state, frames: undefined })}\n--- last frames ---\n${frames}` +
        `\n--- console ---\n${consoleLines.slice(-40).join('\n')}\n--- janus logs ---\n${cluster!.janus.map((j) => `${j.name}:\n${j.logTail(15)}`).join('\n')}`;
      if (err instanceof Error) {
        err.message += detail;
        throw err;
      }
      throw new Error(String(err) + detail);
    }
  }

  it('EchoTest: webrtcup, media audio+video receiving, inbound RTP and decoded frames, clean detach/destroy', async () => {
    const page = await cluster!.browser.context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m: ConsoleMessage) => { consoleLines.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e: Error) => { consoleLines.push(`pageerror: ${e.message}`); });
    page.setDefaultTimeout(TIMEOUT);

    await withPageDiagnostics(page, consoleLines, async () => {
      await page.goto(`${cluster!.web.url}/echotest.html`, { timeout: TIMEOUT });
      const counts0 = await handleCounts(cluster!.janus);
      const ids = await page.evaluate((o) => (window as unknown as EchoWindow).echo.start(o), { server: cluster!.proxy.url, timeoutMs: TIMEOUT });
      assert.ok(ids.sessionId > 0 && ids.handleId > 0, `ids ${JSON.stringify(ids)}`);
      const landed = cluster!.janus[landedOn(counts0, await handleCounts(cluster!.janus))]!;

      // webrtcState(true) is Janus' webrtcup; mediaState(kind, true) is its media event.
      await page.waitForFunction(() => {
        const s = (window as unknown as EchoWindow).echo.state;
        return s.error !== null || s.webrtcUp;
      }, undefined, { timeout: TIMEOUT });
      await page.waitForFunction(() => {
        const s = (window as unknown as EchoWindow).echo.state;
        return s.error !== null || (s.media.audio === true && s.media.video === true);
      }, undefined, { timeout: TIMEOUT });
      const state = await page.evaluate(() => (window as unknown as EchoWindow).echo.state);
      assert.equal(state.error, null);
      assert.equal(state.webrtcUp, true);
      assert.equal(state.webrtcDown, null);
      assert.deepEqual(state.media, { audio: true, video: true });
      assert.equal(state.result, 'ok', 'echotest answered result ok');

      const stats = await page.evaluate(
        (o) => (window as unknown as EchoWindow).echo.inbound(o),
        { minPackets: 10, minFrames: 1, timeoutMs: TIMEOUT },
      );
      assert.ok(stats.audioPackets > 0 && stats.videoPackets > 0, `inbound-rtp ${JSON.stringify(stats)}`);
      assert.ok(stats.framesDecoded > 0, `frames decoded ${JSON.stringify(stats)}`);
      // Media goes straight to the Janus that got the handle, on its namespace's veth address.
      assert.equal(stats.remoteAddress, landed.host, `selected ICE pair ${JSON.stringify(stats)}`);

      // janus.js' destroy() waits for a success with the same session_id and transaction.
      // janus.js: detach (fire-and-forget over WebSockets), then destroy, which waits for its success.
      await page.evaluate((o) => (window as unknown as EchoWindow).echo.stop(o), { timeoutMs: TIMEOUT });
      const end = await page.evaluate(() => (window as unknown as EchoWindow).echo.state);
      if (process.env.E2E_DUMP_FRAMES === '1') console.log(end.frames.map((f) => `${String(f.at)} ${f.dir} ${f.data.replace(/\s+/g, ' ')}`).join('\n'));
      assert.equal(end.error, null);
      assert.equal(end.destroyed, true, 'janus.js destroyed callback');
      teardown = { sessionId: ids.sessionId, frames: parseFrames(end.frames) };
      // The proxy tears down its backend sessions too.
      await pollUntil('only spare sessions left on the Janus servers', async () => {
        const done = await Promise.all(cluster!.janus.map((j) => onlySpareSessionsLeft(j)));
        return done.every(Boolean) ? true : undefined;
      }, 5_000);
    });
    await page.close();
  });

  // janus.js pipelines detach and destroy on one WebSocket and closes it on destroy's success. Janus
  // answers them in order; the detach reply must come first, or the client never sees it.
  it('answers janus.js\' pipelined detach with success before the destroy success', () => {
    assert.ok(teardown, 'the EchoTest above did not get to its teardown');
    const { frames, sessionId } = teardown;
    const detach = frames.find((f) => f.dir === 'out' && f.msg.janus === 'detach');
    const destroy = frames.find((f) => f.dir === 'out' && f.msg.janus === 'destroy');
    assert.ok(detach && destroy, 'janus.js sent detach and destroy');
    const detachReply = frames.findIndex((f) => f.dir === 'in' && f.msg.transaction === detach.msg.transaction);
    const destroyReply = frames.findIndex((f) => f.dir === 'in' && f.msg.transaction === destroy.msg.transaction);
    assert.ok(detachReply >= 0 && detachReply < destroyReply, `detach reply before destroy reply: ${JSON.stringify(frames.slice(-6))}`);
    assert.equal(frames[detachReply]!.msg.janus, 'success');
    assert.equal(frames[detachReply]!.msg.session_id, sessionId);
  });
});
