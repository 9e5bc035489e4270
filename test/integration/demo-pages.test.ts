// The demo pages (web/demos, served by the admin API) in headless Chromium with fake camera and
// microphone, each through the proxy in front of two real Janus servers on a test LAN (so that
// VideoRoom remote publishers can flow between them): every page reaches WebRTC up and shows the
// Janus its handles landed on. The pages run the official janus.js.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { CHROMIUM, describeBrowser, launchChromium, type ChromiumBrowser } from '../support/chromium.js';
import { pollUntil } from '../support/processes.js';
import { captureConsole, ensureWebBuilt, readEvents } from '../support/web-ui.js';
import type { DashboardRoom, DashboardSnapshot } from '../../src/admin/dashboard-types.js';

const TIMEOUT = 15_000; // Chromium under CPU contention on the shared 2-core box

/** What web/src/demos/demo-page.ts exposes as window.demo.state. */
type HandleState = {
  role: string; plugin: string; id: number | null; backend: string | null; located: boolean;
  ice: string | null; webrtcUp: boolean; webrtcDown: string | null; media: Record<string, boolean>;
};
type DemoState = {
  phase: string; server: string; sessionId: number | null; error: string | null;
  handles: Record<string, HandleState | undefined>; info: Record<string, string | number | boolean | undefined>; log: string[];
};
type DemoWindow = { demo: { state: DemoState } };
type Demo = { page: Page; consoleLines: string[] };

const unique = (prefix: string): string => `${prefix}-${String(process.pid)}-${String(Date.now() % 100_000)}`;
const randomRoom = (): string => String(10_000 + Math.floor(Math.random() * 80_000));

describeBrowser('demo pages through the proxy in headless Chromium', {}, () => {
  let janus: JanusInstance[] = [];
  let proxy: TestProxy | undefined;
  let browser: ChromiumBrowser | undefined;
  const open = new Set<Demo>();

  before(async () => {
    ensureWebBuilt();
    janus = await startJanusCluster(2, { lan: true, plugins: ['echotest', 'audiobridge', 'videoroom', 'videocall'], videoroom: {} });
    // One publisher per Janus: the two VideoRoom pages end up on different servers, mirrored to each other.
    proxy = await startTestProxy(janus, { videoroom: { publishers_per_backend: 1 } });
    browser = await launchChromium(CHROMIUM, TIMEOUT);
    // The pages find the admin token where the dashboard keeps it.
    await browser.context.addInitScript((token) => { localStorage.setItem('janus-cloud.admin-token', token); }, TEST_ADMIN_TOKEN);
  });
  after(async () => {
    await browser?.close();
    await proxy?.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  async function openDemo(name: string, params: Record<string, string>): Promise<Demo> {
    const page = await browser!.context.newPage();
    const demo = { page, consoleLines: captureConsole(page) };
    open.add(demo);
    page.setDefaultTimeout(TIMEOUT);
    const query = new URLSearchParams({ server: proxy!.url, autostart: '1', ...params });
    await page.goto(`${proxy!.adminUrl!}/demos/${name}.html?${query.toString()}`);
    return demo;
  }

  const state = (demo: Demo): Promise<DemoState> => demo.page.evaluate(() => (window as unknown as DemoWindow).demo.state);

  /** Polls the page's state until `ready` holds; a page error fails at once. */
  function waitFor(demo: Demo, what: string, ready: (s: DemoState) => boolean): Promise<DemoState> {
    return pollUntil(what, async () => {
      const s = await state(demo);
      if (s.error !== null) throw new Error(`page error: ${s.error}`);
      return ready(s) ? s : undefined;
    }, TIMEOUT, 200);
  }

  /** Runs `body`; on failure appends each open page's state and console and the Janus logs. */
  async function withDiagnostics(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      const pages = await Promise.all([...open].map(async (d) => {
        const s = await state(d).catch(() => undefined);
        return `--- ${d.page.url()} ---\n${JSON.stringify({ ...s, log: undefined })}\n${s?.log.slice(-15).join('\n') ?? ''}\n${d.consoleLines.slice(-15).join('\n')}`;
      }));
      const detail = `\n${pages.join('\n')}\n--- janus logs ---\n${janus.map((j) => `${j.name}:\n${j.logTail(10)}`).join('\n')}`;
      if (err instanceof Error) err.message += detail;
      throw err;
    } finally {
      await Promise.all([...open].map((d) => d.page.close()));
      open.clear();
    }
  }

  const janusNames = (): string[] => janus.map((j) => j.name);
  /** WebRTC up on the handle, and the page knows the Janus it is on. */
  const up = (role: string) => (s: DemoState): boolean => {
    const h = s.handles[role];
    return h?.webrtcUp === true && h.backend !== null;
  };

  /** Frames decoded in the page's remote <video> elements. */
  const remoteVideoFrames = (demo: Demo): Promise<number> => demo.page.evaluate(() => [...document.querySelectorAll<HTMLVideoElement>('figure[id^="track-remote"] video')]
    .reduce((n, v) => n + (v.getVideoPlaybackQuality().totalVideoFrames), 0));

  it('echotest: WebRTC up with audio and video echoed, on a Janus the page names', () => withDiagnostics(async () => {
    const demo = await openDemo('echotest', {});
    const s = await waitFor(demo, 'echotest webrtcup, media and backend', (x) => up('echotest')(x) && Object.values(x.handles.echotest!.media).filter(Boolean).length >= 2);
    assert.ok(janusNames().includes(s.handles.echotest!.backend!), `landed on ${String(s.handles.echotest!.backend)}`);
    assert.equal(s.info.result, 'ok');
    await pollUntil('echoed video frames', async () => ((await remoteVideoFrames(demo)) > 0 ? true : undefined), TIMEOUT);
  }));

  it('audiobridge: joins a room it creates and gets WebRTC up', () => withDiagnostics(async () => {
    const demo = await openDemo('audiobridge', { room: randomRoom(), user: 'alice' });
    const s = await waitFor(demo, 'audiobridge webrtcup and backend', up('audiobridge'));
    assert.ok(janusNames().includes(s.handles.audiobridge!.backend!));
    assert.ok(typeof s.info['my id'] === 'string' && s.info['my id'] !== '');
  }));

  it('videoroom: two publishers on two Janus, each receiving the other on one subscriber PeerConnection', () => withDiagnostics(async () => {
    const room = randomRoom();
    const alice = await openDemo('videoroom', { room, user: 'alice' });
    const a = await waitFor(alice, 'alice publishing', up('publisher'));
    const bob = await openDemo('videoroom', { room, user: 'bob' });
    const b = await waitFor(bob, 'bob publishing', up('publisher'));
    assert.notEqual(a.handles.publisher!.backend, b.handles.publisher!.backend, 'one publisher per Janus');
    for (const [demo, who] of [[alice, 'alice'], [bob, 'bob']] as const) {
      const s = await waitFor(demo, `${who} subscribed`, up('subscriber'));
      assert.ok(janusNames().includes(s.handles.subscriber!.backend!));
      await pollUntil(`${who} decoding the other's video`, async () => ((await remoteVideoFrames(demo)) > 0 ? true : undefined), TIMEOUT);
    }
    // The dashboard's live channel shows the room on both servers.
    const shown = await readEvents(`${proxy!.adminUrl!}/events?token=${TEST_ADMIN_TOKEN}`, (data) => {
      const r = (data as DashboardSnapshot).rooms?.find((x: DashboardRoom) => String(x.room) === room);
      return r && r.backends.length === 2 ? r : undefined;
    }, 5_000);
    assert.deepEqual([...shown.backends].sort(), janusNames().sort());
  }));

  it('videocall: registers, calls, accepts; both peers WebRTC up on the same Janus', () => withDiagnostics(async () => {
    const callee = unique('callee');
    const answerer = await openDemo('videocall', { user: callee });
    await waitFor(answerer, 'callee registered', (s) => s.info.registered === callee);
    const caller = await openDemo('videocall', { user: unique('caller'), peer: callee });
    const [x, y] = await Promise.all([waitFor(caller, 'caller webrtcup', up('call')), waitFor(answerer, 'callee webrtcup', up('call'))]);
    assert.equal(x.handles.call!.backend, y.handles.call!.backend, 'both legs of a call on one Janus');
    assert.ok(janusNames().includes(x.handles.call!.backend!));
  }));

  it('p2pcall: the VideoCall API peer to peer; both PeerConnections connect with no Janus in the path', () => withDiagnostics(async () => {
    const callee = unique('p2p-callee');
    const answerer = await openDemo('p2pcall', { user: callee });
    await waitFor(answerer, 'callee registered', (s) => s.info.registered === callee);
    const caller = await openDemo('p2pcall', { user: unique('p2p-caller'), peer: callee });
    // No media server sends `webrtcup`: the browsers' own ICE state says the PeerConnection is up.
    const connected = (s: DemoState): boolean => ['connected', 'completed'].includes(s.handles.call?.ice ?? '') && s.handles.call?.located === true;
    const [x, y] = await Promise.all([waitFor(caller, 'caller connected', connected), waitFor(answerer, 'callee connected', connected)]);
    assert.equal(x.handles.call!.backend, null);
    assert.equal(y.handles.call!.backend, null);
    for (const demo of [caller, answerer]) {
      await pollUntil('peer video frames', async () => ((await remoteVideoFrames(demo)) > 0 ? true : undefined), TIMEOUT);
    }
  }));
});
