// The official janus.js multistream VideoRoom flow (as the stock mvideoroomtest demo) in headless
// Chromium, through the proxy in front of two real Janus servers on a test LAN: two participants
// land on different backends, and each receives the other's audio and decodable video on its one
// subscriber PeerConnection (the other's feed reaching its Janus as a remote publisher).
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleMessage, Page } from 'playwright-core';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { startStaticServer, type StaticServer } from '../support/static-server.js';
import { e2ePageRoutes } from '../support/e2e-pages.js';
import { CHROMIUM, describeBrowser, launchChromium, type ChromiumBrowser } from '../support/chromium.js';
import { videoRoomHandle } from '../support/videoroom-direct.js';
import { JanusInspector, originOf } from '../support/videoroom-inspect.js';

const TIMEOUT = 20_000; // Chromium under CPU contention on the shared 2-core box
const ROOM = 9101;

const ROUTES = e2ePageRoutes('videoroom');

/** What test/e2e-pages/videoroom.js exposes as window.vr. */
type VrState = {
  phase: string; error: string | null; myId: number | null; publisherUp: boolean; subscriberUp: boolean;
  feeds: Record<string, string>; subscribed: number[]; talking: Record<string, number>; events: unknown[]; log: string[];
};
type Inbound = { audioPackets: number; videoPackets: number; framesDecoded: number; mids: Record<string, number> };
type VrWindow = { vr: { state: VrState; start(o: object): Promise<{ id: number }>; inbound(): Promise<Inbound>; stop(): Promise<void> } };

describeBrowser('janus.js multistream VideoRoom in headless Chromium, participants on two Janus servers', { timeout: 180_000 }, () => {
  let janus: JanusInstance[] = [];
  let proxy: TestProxy | undefined;
  let web: StaticServer | undefined;
  let browser: ChromiumBrowser | undefined;
  let inspectors: JanusInspector[] = [];

  before(async () => {
    janus = await startJanusCluster(2, { lan: true, plugins: ['videoroom'], videoroom: {} });
    proxy = await startTestProxy(janus);
    inspectors = await Promise.all(janus.map((j) => JanusInspector.open(j)));
    web = await startStaticServer(ROUTES);
    browser = await launchChromium(CHROMIUM, TIMEOUT);
  });
  after(async () => {
    await browser?.close();
    await web?.close();
    await Promise.all(inspectors.map((i) => i.close()));
    await proxy?.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  async function openPage(): Promise<{ page: Page; consoleLines: string[] }> {
    const page = await browser!.context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m: ConsoleMessage) => { consoleLines.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e: Error) => { consoleLines.push(`pageerror: ${e.message}`); });
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(`${web!.url}/videoroom.html`, { timeout: TIMEOUT });
    return { page, consoleLines };
  }

  const stateOf = (page: Page): Promise<VrState> => page.evaluate(() => (window as unknown as VrWindow).vr.state);

  async function diagnose<T>(pages: { page: Page; consoleLines: string[] }[], body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (err) {
      const detail = await Promise.all(pages.map(async ({ page, consoleLines }) => {
        const s = await stateOf(page).catch(() => undefined);
        return `--- page ---\n${JSON.stringify(s)}\n--- console ---\n${consoleLines.slice(-30).join('\n')}`;
      }));
      if (err instanceof Error) err.message += `\n${detail.join('\n')}`;
      throw err;
    }
  }

  it('two participants on different backends each receive the other\'s media on one subscriber PeerConnection and hear who is talking', async () => {
    const client = await JanusTestClient.connect(proxy!.url);
    try {
      const ctl = await videoRoomHandle(client);
      // Chromium's fake microphone beeps quietly: any sound counts as talking (dBov 127 is silence).
      const created = await ctl.sync({
        request: 'create', room: ROOM, publishers: 6, publishers_per_backend: 1, audiolevel_event: true, audio_active_packets: 25, audio_level_average: 127,
      });
      assert.equal(created.videoroom, 'created');
    } finally {
      await client.close();
    }
    const alice = await openPage();
    const bob = await openPage();
    await diagnose([alice, bob], async () => {
      const a = await alice.page.evaluate((o) => (window as unknown as VrWindow).vr.start(o), { server: proxy!.url, room: ROOM, display: 'alice', timeoutMs: TIMEOUT });
      const b = await bob.page.evaluate((o) => (window as unknown as VrWindow).vr.start(o), { server: proxy!.url, room: ROOM, display: 'bob', timeoutMs: TIMEOUT });
      const origins = await Promise.all([originOf(inspectors, ROOM, a.id), originOf(inspectors, ROOM, b.id)]);
      assert.deepEqual([...origins].sort(), [0, 1], `one participant per Janus: ${JSON.stringify(origins)}`);

      for (const [{ page }, other] of [[alice, b.id], [bob, a.id]] as const) {
        await page.waitForFunction((id) => {
          const s = (window as unknown as VrWindow).vr.state;
          return s.error !== null || (s.subscriberUp && s.subscribed.includes(id));
        }, other, { timeout: TIMEOUT });
        assert.equal((await stateOf(page)).error, null);
        await page.waitForFunction(async () => {
          const stats = await (window as unknown as VrWindow).vr.inbound();
          return stats.audioPackets > 10 && stats.framesDecoded > 0;
        }, undefined, { timeout: TIMEOUT, polling: 200 });
      }
    });
    // Who is talking, heard from the other backend too: the speaker's audio reaches the listener's Janus
    // through the remote publisher, which knows the audio-level extension id from the publisher's SDP.
    await diagnose([alice, bob], async () => {
      const ids = await Promise.all([alice, bob].map(async ({ page }) => (await stateOf(page)).myId));
      for (const [{ page }, other] of [[alice, ids[1]], [bob, ids[0]]] as const) {
        await page.waitForFunction((id) => ((window as unknown as VrWindow).vr.state.talking[String(id)] ?? 0) > 0, other, { timeout: TIMEOUT, polling: 200 });
      }
    });
    await Promise.all([alice, bob].map(({ page }) => page.evaluate(() => (window as unknown as VrWindow).vr.stop())));
    await Promise.all([alice.page.close(), bob.page.close()]);
  });
});
