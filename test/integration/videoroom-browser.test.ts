// The official janus.js multistream VideoRoom flow (as the stock mvideoroomtest demo) in headless
// Chromium, through two proxy processes sharing a real Redis in front of two real Janus servers on a
// test LAN: two participants, each connected to another proxy, land on different backends; each
// receives the other's audio and decodable video on its one subscriber PeerConnection (the other's
// feed reaching its Janus as a remote publisher) and hears who is talking; a kick sent through one
// proxy removes the participant connected to the other, who is told, and the other page sees it.
// Before the kick, the dashboard of one proxy shows the room's owner proxy and its participants with their origin Janus,
// their stream copies and the proxy each is connected to.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleMessage, Page } from 'playwright-core';
import { startRoomCluster, type RoomCluster } from '../support/room-cluster.js';
import { startStaticServer, type StaticServer } from '../support/static-server.js';
import { e2ePageRoutes } from '../support/e2e-pages.js';
import { CHROMIUM, describeBrowser, launchChromium, type ChromiumBrowser } from '../support/chromium.js';
import { videoRoomHandle } from '../support/videoroom-direct.js';
import { originOf } from '../support/videoroom-inspect.js';
import { TEST_ADMIN_TOKEN } from '../support/proxy-fixture.js';

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

describeBrowser('janus.js multistream VideoRoom in headless Chromium, participants on two proxies and two Janus servers', { timeout: 180_000 }, () => {
  let cluster: RoomCluster | undefined;
  let web: StaticServer | undefined;
  let browser: ChromiumBrowser | undefined;

  before(async () => {
    cluster = await startRoomCluster(2, { proxyConfig: { admin_api: { enabled: true, token: TEST_ADMIN_TOKEN } } });
    web = await startStaticServer(ROUTES);
    browser = await launchChromium(CHROMIUM, TIMEOUT);
  });
  after(async () => {
    await browser?.close();
    await web?.close();
    await cluster?.stop();
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

  it('two participants on different proxies and backends receive each other\'s media, hear who is talking, and a kick reaches across', async () => {
    const { proxies, inspectors, clients } = cluster!;
    const ctl = await videoRoomHandle(await clients.connect(proxies[0]!.url));
    // Chromium's fake microphone beeps quietly: any sound counts as talking (dBov 127 is silence).
    const created = await ctl.sync({
      request: 'create', room: ROOM, publishers: 6, publishers_per_backend: 1, audiolevel_event: true, audio_active_packets: 25, audio_level_average: 127,
    });
    assert.equal(created.videoroom, 'created');
    const alice = await openPage();
    const bob = await openPage();
    const [a, b] = await diagnose([alice, bob], async () => {
      const a = await alice.page.evaluate((o) => (window as unknown as VrWindow).vr.start(o), { server: proxies[0]!.url, room: ROOM, display: 'alice', timeoutMs: TIMEOUT });
      const b = await bob.page.evaluate((o) => (window as unknown as VrWindow).vr.start(o), { server: proxies[1]!.url, room: ROOM, display: 'bob', timeoutMs: TIMEOUT });
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
      return [a, b];
    });
    // Who is talking, heard from the other backend too: the speaker's audio reaches the listener's Janus
    // through the remote publisher, which knows the audio-level extension id from the publisher's SDP.
    await diagnose([alice, bob], async () => {
      const ids = await Promise.all([alice, bob].map(async ({ page }) => (await stateOf(page)).myId));
      for (const [{ page }, other] of [[alice, ids[1]], [bob, ids[0]]] as const) {
        await page.waitForFunction((id) => ((window as unknown as VrWindow).vr.state.talking[String(id)] ?? 0) > 0, other, { timeout: TIMEOUT, polling: 200 });
      }
    });
    await diagnose([alice, bob], async () => {
      const dashboard = await browser!.context.newPage();
      dashboard.setDefaultTimeout(TIMEOUT);
      try {
        await dashboard.goto(`${proxies[0]!.adminUrl!}/`);
        await dashboard.fill('input[name="token"]', TEST_ADMIN_TOKEN);
        await dashboard.click('button[type="submit"]');
        // The room was made through proxy a, which owns it (makes its layout changes).
        await dashboard.locator(`tr[data-room="${String(ROOM)}"] td[data-role="room-owner"]`, { hasText: /^proxy-a-/ }).waitFor();
        await dashboard.click(`tr[data-room="${String(ROOM)}"] button[data-role="room-participants"]`);
        const janusNames = cluster!.janus.map((j) => j.name);
        const origins = await Promise.all([originOf(inspectors, ROOM, a.id), originOf(inspectors, ROOM, b.id)]);
        for (const [id, proxy, origin] of [[a.id, 'proxy-a', origins[0]], [b.id, 'proxy-b', origins[1]]] as const) {
          const row = dashboard.locator(`tr[data-room-details="${String(ROOM)}"] tr[data-participant="${String(id)}"]`);
          await row.locator('td[data-role="proxy"]', { hasText: proxy }).waitFor();
          assert.equal(await row.locator('td[data-role="origin"]').textContent(), janusNames[origin]);
          // Each publisher's copy is on the other Janus.
          assert.match(await row.textContent() ?? '', new RegExp(`stream.*${janusNames[1 - origin]!}`, 's'));
        }
      } finally {
        await dashboard.close();
      }
    });
    // A kick through alice's proxy of bob, who is connected to the other proxy and publishes on the other Janus.
    await diagnose([alice, bob], async () => {
      assert.equal((await ctl.sync({ request: 'kick', room: ROOM, id: b.id })).videoroom, 'success');
      await bob.page.waitForFunction(() => (window as unknown as VrWindow).vr.state.events
        .some((e) => (e as { leaving?: unknown; reason?: unknown }).leaving === 'ok' && (e as { reason?: unknown }).reason === 'kicked'), undefined, { timeout: TIMEOUT, polling: 100 });
      // As on one Janus, the others are told `kicked` (no `leaving`/`unpublished` follows).
      await alice.page.waitForFunction((id) => (window as unknown as VrWindow).vr.state.events
        .some((e) => (e as { kicked?: unknown }).kicked === id), b.id, { timeout: TIMEOUT, polling: 100 });
      for (const inspector of inspectors) {
        const view = await inspector.room(ROOM);
        assert.ok(view && ![...view.local, ...view.remote].some((p) => p.id === b.id), 'bob is gone from every Janus');
      }
    });
    await Promise.all([alice, bob].map(({ page }) => page.evaluate(() => (window as unknown as VrWindow).vr.stop())));
    await Promise.all([alice.page.close(), bob.page.close()]);
  });
});
