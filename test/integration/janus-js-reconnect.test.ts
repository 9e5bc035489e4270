// What the take-over is for, as a user meets it: a janus.js app in headless Chromium publishes in a
// VideoRoom through three proxy processes behind one address (real HAProxy with the shipped config,
// real Redis, a real Janus in a network namespace). The proxy its WebSocket reached is SIGKILLed;
// the app's janus.js `reconnect()` reaches another proxy through the same address and claims the
// session. Its publisher PeerConnection never drops (a werift subscriber keeps receiving its RTP
// after Janus's own reclaim window), its publisher handle answers a `configure`, and room events
// reach it again: a publisher joining afterwards is announced and subscribed to, its video decoded.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleMessage, Page } from 'playwright-core';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { startBalancedProxies, type BalancedProxies } from '../support/balanced-proxies.js';
import { TestClients } from '../support/shared-store-proxies.js';
import { startStaticServer, type StaticServer } from '../support/static-server.js';
import { e2ePageRoutes } from '../support/e2e-pages.js';
import { CHROMIUM, describeBrowser, launchChromium, type ChromiumBrowser } from '../support/chromium.js';
import { publishWerift, subscribeWerift, videoRoomHandle, type Subscriber } from '../support/videoroom-direct.js';
import { pollUntil } from '../support/processes.js';

const TIMEOUT = 20_000;
const JANUS_RECLAIM_S = 3;
const ROOM = 7373;

type VrState = {
  phase: string; error: string | null; myId: number | null; publisherUp: boolean; subscriberUp: boolean;
  subscribed: number[]; configured: number; connectionLost: number; reconnected: number; log: string[];
};
type Inbound = { audioPackets: number; videoPackets: number; framesDecoded: number };
type VrWindow = {
  vr: {
    state: VrState; start(o: object): Promise<{ id: number }>; inbound(): Promise<Inbound>;
    configure(m: object): void; publisherPcState(): string; sessionId(): number; stop(): Promise<void>;
  };
};

describeBrowser('janus.js reconnect() in Chromium: a VideoRoom publisher whose proxy dies carries on through another', { timeout: 180_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[] = [];
  let cluster: BalancedProxies | undefined;
  let web: StaticServer | undefined;
  let browser: ChromiumBrowser | undefined;
  const clients = new TestClients();
  const peers: { close(): Promise<void> }[] = [];

  before(async () => {
    [redis, janus] = await Promise.all([
      startRedis(),
      startJanusCluster(1, { plugins: ['videoroom'], videoroom: {}, reclaimSessionTimeout: JANUS_RECLAIM_S }),
    ]);
    cluster = await startBalancedProxies(janus, redis, { videoroom: { backend_room_secret: 'janus-js-reconnect' } });
    web = await startStaticServer(e2ePageRoutes('videoroom'));
    browser = await launchChromium(CHROMIUM, TIMEOUT);
  });
  after(async () => {
    await browser?.close();
    await web?.close();
    await Promise.all(peers.map((p) => p.close()));
    await clients.closeAll();
    await cluster?.stop();
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  const stateOf = (page: Page): Promise<VrState> => page.evaluate(() => (window as unknown as VrWindow).vr.state);

  it('SIGKILL of the proxy under a janus.js publisher: reconnect() claims the session elsewhere, media and events carry on', async () => {
    const lb = cluster!.lb;
    const iceAddress = janus[0]!.peerAddress!;
    const ctl = await videoRoomHandle(await clients.connect(lb.wsUrl));
    assert.equal((await ctl.sync({ request: 'create', room: ROOM, publishers: 6 })).videoroom, 'created');

    const page = await browser!.context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m: ConsoleMessage) => { consoleLines.push(`${m.type()}: ${m.text()}`); });
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(`${web!.url}/videoroom.html`, { timeout: TIMEOUT });
    try {
      const alice = await page.evaluate((o) => (window as unknown as VrWindow).vr.start(o), { server: lb.wsUrl, room: ROOM, display: 'alice', reconnect: true, timeoutMs: TIMEOUT });
      const sessionId = await page.evaluate(() => (window as unknown as VrWindow).vr.sessionId());

      // A werift subscriber (through the same address) receives alice's Chromium media.
      const listing = await ctl.sync({ request: 'listparticipants', room: ROOM });
      assert.ok(JSON.stringify(listing).includes('alice'));
      const joined = await videoRoomHandle(await clients.connect(lb.wsUrl));
      const publishers = (await joined.async({ request: 'join', room: ROOM, ptype: 'publisher', display: 'observer' })).data.publishers as { id: number; streams: { mid: string }[] }[];
      const alicePub = publishers.find((p) => p.id === alice.id);
      assert.ok(alicePub, JSON.stringify(publishers));
      const subscriber: Subscriber = await subscribeWerift(await clients.connect(lb.wsUrl), ROOM, alicePub.streams.map((s) => ({ feed: alice.id, mid: s.mid })), { iceAddress });
      peers.push(subscriber.peer);
      await subscriber.peer.waitForRtp(20, 15_000);

      // Kill the proxy holding alice's session; janus.js reconnects through HAProxy and claims it.
      const holder = await cluster!.holderOf(sessionId);
      await holder.process.kill('SIGKILL');
      const killedAt = performance.now();
      await page.waitForFunction(() => (window as unknown as VrWindow).vr.state.reconnected > 0, undefined, { timeout: TIMEOUT, polling: 100 });
      const after = await stateOf(page);
      assert.equal(after.error, null, after.log.join('\n'));
      assert.equal(after.connectionLost, 1);
      assert.equal(await page.evaluate(() => (window as unknown as VrWindow).vr.sessionId()), sessionId, 'the same session');
      assert.notEqual((await cluster!.holderOf(sessionId)).name, holder.name, 'now held by another proxy');

      // The restored publisher handle answers.
      await page.evaluate(() => { (window as unknown as VrWindow).vr.configure({ bitrate: 256000 }); });
      await page.waitForFunction(() => (window as unknown as VrWindow).vr.state.configured > 1, undefined, { timeout: TIMEOUT, polling: 100 });

      // Media: alice's PeerConnection never dropped; her RTP still arrives after Janus's reclaim window.
      await new Promise<void>((resolve) => { setTimeout(resolve, Math.max(0, JANUS_RECLAIM_S * 1000 + 1000 - (performance.now() - killedAt))); });
      const before = subscriber.peer.rtpReceived.audio + subscriber.peer.rtpReceived.video;
      await pollUntil('alice\'s RTP after the take-over', () => (subscriber.peer.rtpReceived.audio + subscriber.peer.rtpReceived.video > before + 50 ? true : undefined), 10_000);
      assert.equal(await page.evaluate(() => (window as unknown as VrWindow).vr.publisherPcState()), 'connected', 'the same publisher PeerConnection, still connected');

      // Room events reach her again: bob publishes (werift), her page subscribes and decodes his video.
      const bob = await publishWerift(await clients.connect(lb.wsUrl), ROOM, { iceAddress, display: 'bob' });
      peers.push(bob.peer);
      await page.waitForFunction((id) => (window as unknown as VrWindow).vr.state.subscribed.includes(id), Number(bob.id), { timeout: TIMEOUT, polling: 100 });
      await page.waitForFunction(async () => {
        const stats = await (window as unknown as VrWindow).vr.inbound();
        return stats.videoPackets > 20 && stats.framesDecoded > 0;
      }, undefined, { timeout: TIMEOUT, polling: 200 });
      assert.equal((await stateOf(page)).connectionLost, 1, 'one loss, one reconnect: nothing else dropped');
    } catch (err) {
      if (err instanceof Error) err.message += `\n--- page ---\n${JSON.stringify(await stateOf(page).catch(() => undefined))}\n--- console ---\n${consoleLines.slice(-30).join('\n')}`;
      throw err;
    } finally {
      await page.evaluate(() => (window as unknown as VrWindow).vr.stop()).catch(() => undefined);
      await page.close();
    }
  });
});
