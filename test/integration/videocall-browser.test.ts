// The stock VideoCall demo's flow (official janus.js + webrtc-adapter) in headless Chromium: two tabs
// of one browser, alice and bob, through the proxy in front of two real Janus hosts (each in its own
// network namespace). Real camera/microphone fakes, real VP8/Opus through the call's backend.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleMessage, Page } from 'playwright-core';
import { startBrowserCluster, type BrowserCluster } from '../support/browser-cluster.js';
import { e2ePageRoutes } from '../support/e2e-pages.js';
import { CHROMIUM, describeBrowser } from '../support/chromium.js';
import { countHandles } from '../support/cluster-helpers.js';

const TIMEOUT = 20_000; // Chromium under CPU contention: see the reference, section 3

const ROUTES = e2ePageRoutes('videocall');

/** What test/e2e-pages/videocall.js exposes as window.vc. */
type VcState = {
  phase: string;
  error: string | null;
  list: string[] | null;
  events: string[];
  peer: string | null;
  hangup: { username: string; reason: string } | null;
  webrtcUp: boolean;
  remoteTracks: { audio: number; video: number };
  dataOpen: boolean;
  dataReceived: string[];
  log: string[];
};
type Opts = { timeoutMs: number };
type VcApi = {
  state: VcState;
  start(o: Opts & { server: string; username: string }): Promise<{ list: string[] }>;
  call(o: Opts & { peer: string }): Promise<void>;
  inCall(o: Opts): Promise<void>;
  inbound(o: Opts & { minPackets: number; minFrames: number }): Promise<{ audioPackets: number; videoPackets: number; framesDecoded: number }>;
  muteAudio(o: Opts): Promise<void>;
  sendData(text: string): void;
  hangup(o: Opts): Promise<void>;
  waitHangup(o: Opts): Promise<void>;
  waitData(o: Opts): Promise<void>;
  stop(o: Opts): Promise<void>;
};
type VcWindow = { vc: VcApi };

describeBrowser('the VideoCall demo flow with janus.js in headless Chromium, through the proxy', {}, () => {

  let cluster: BrowserCluster | undefined;
  before(async () => {
    cluster = await startBrowserCluster({ chromium: CHROMIUM, janus: { plugins: ['videocall'] }, routes: ROUTES, timeoutMs: TIMEOUT });
  });
  after(() => cluster?.stop());

  async function openPage(consoleLines: string[], who: string): Promise<Page> {
    const page = await cluster!.browser.context.newPage();
    page.on('console', (m: ConsoleMessage) => { consoleLines.push(`${who} ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e: Error) => { consoleLines.push(`${who} pageerror: ${e.message}`); });
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(`${cluster!.web.url}/videocall.html`, { timeout: TIMEOUT });
    return page;
  }

  /** On failure: both pages' state and console, and the Janus logs. */
  async function withDiagnostics(pages: Page[], consoleLines: string[], body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      const states = await Promise.all(pages.map((p) => p.evaluate(() => (window as unknown as VcWindow).vc.state).catch(() => undefined)));
      const detail = `\n--- page states ---\n${states.map((s) => JSON.stringify(s)).join('\n')}\n--- console ---\n${consoleLines.slice(-40).join('\n')}` +
        `\n--- janus logs ---\n${cluster!.janus.map((j) => `${j.name}:\n${j.logTail(15)}`).join('\n')}`;
      if (err instanceof Error) {
        err.message += detail;
        throw err;
      }
      throw new Error(String(err) + detail);
    }
  }

  it('alice calls bob: both get media and the data channel through one backend, audio toggles, hangup reaches both', async () => {
    const consoleLines: string[] = [];
    const alice = await openPage(consoleLines, 'alice');
    const bob = await openPage(consoleLines, 'bob');
    const t = { timeoutMs: TIMEOUT };
    const state = (page: Page): Promise<VcState> => page.evaluate(() => (window as unknown as VcWindow).vc.state);
    await withDiagnostics([alice, bob], consoleLines, async () => {
      await alice.evaluate((o) => (window as unknown as VcWindow).vc.start(o), { ...t, server: cluster!.proxy.url, username: 'alice' });
      const { list } = await bob.evaluate((o) => (window as unknown as VcWindow).vc.start(o), { ...t, server: cluster!.proxy.url, username: 'bob' });
      assert.deepEqual([...list].sort(), ['alice', 'bob']);

      await alice.evaluate((o) => (window as unknown as VcWindow).vc.call(o), { ...t, peer: 'bob' });
      await Promise.all([alice, bob].map((p) => p.evaluate((o) => (window as unknown as VcWindow).vc.inCall(o), t)));
      assert.equal((await state(bob)).peer, 'alice');
      assert.equal((await state(alice)).peer, 'bob');
      const counts = await Promise.all(cluster!.janus.map((j) => countHandles(j)));
      assert.deepEqual([...counts].sort(), [0, 2], `both legs on one backend: ${JSON.stringify(counts)}`);

      const media = { ...t, minPackets: 20, minFrames: 5 };
      const [aIn, bIn] = await Promise.all([alice, bob].map((p) => p.evaluate((o) => (window as unknown as VcWindow).vc.inbound(o), media)));
      assert.ok(aIn!.framesDecoded > 0 && bIn!.framesDecoded > 0, `decoded frames ${JSON.stringify({ aIn, bIn })}`);

      await alice.evaluate((text) => { (window as unknown as VcWindow).vc.sendData(text); }, 'hello bob');
      await bob.evaluate((o) => (window as unknown as VcWindow).vc.waitData(o), t);
      assert.deepEqual((await state(bob)).dataReceived, ['hello bob']);

      await alice.evaluate((o) => (window as unknown as VcWindow).vc.muteAudio(o), t);
      await alice.evaluate((o) => (window as unknown as VcWindow).vc.hangup(o), t);
      await bob.evaluate((o) => (window as unknown as VcWindow).vc.waitHangup(o), t);
      const [aState, bState] = [await state(alice), await state(bob)];
      // Janus races the reply to alice's hangup against the event for bob's closing PeerConnection.
      assert.ok(
        [JSON.stringify({ username: 'alice', reason: 'Explicit hangup' }), JSON.stringify({ username: 'bob', reason: 'Remote WebRTC hangup' })]
          .includes(JSON.stringify(aState.hangup)),
        JSON.stringify(aState.hangup),
      );
      // Janus races the explicit hangup's event against the one for alice's closing PeerConnection.
      assert.equal(bState.hangup?.username, 'alice');
      assert.ok(['We did the hangup', 'Remote WebRTC hangup'].includes(bState.hangup.reason), JSON.stringify(bState.hangup));
      assert.equal(aState.error, null);
      assert.equal(bState.error, null);
      await Promise.all([alice, bob].map((p) => p.evaluate((o) => (window as unknown as VcWindow).vc.stop(o), t)));
    });
    await Promise.all([alice.close(), bob.close()]);
  });
});
