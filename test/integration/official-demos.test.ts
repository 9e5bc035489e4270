// The official Janus demos (Debian's janus-demos pages, unmodified but for settings.js pointing at the
// proxy) in headless Chromium with fake camera and microphone, through the proxy in front of two real
// Janus with the STOCK Debian plugin configs (demo rooms 1234, the Streaming file mountpoints), each
// driven through its own buttons and checked for what a person would see: media arriving, the other
// party's video decoded, a chat message delivered.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { startBrowserCluster, type BrowserCluster } from '../support/browser-cluster.js';
import { CHROMIUM, describeBrowser } from '../support/chromium.js';
import { pollUntil } from '../support/processes.js';
import { captureConsole } from '../support/web-ui.js';
import { demoRoutes, inbound, recordPeerConnections, type Inbound } from '../support/official-demos.js';

const TIMEOUT = 20_000; // Chromium under CPU contention on the shared 2-core box
const PLUGINS = ['echotest', 'videoroom', 'audiobridge', 'textroom', 'streaming', 'videocall', 'recordplay', 'nosip', 'voicemail'];

describeBrowser('official Janus demos (janus-demos) through the proxy, stock plugin configs', {}, () => {
  let cluster: BrowserCluster | undefined;
  const pages: { page: Page; log: string[] }[] = [];

  const dir = mkdtempSync(join(tmpdir(), 'jc-official-demos-'));

  before(async () => {
    // The routes need the proxy's URL: settings.js is rewritten once the proxy is up.
    const settings = join(dir, 'settings.js');
    // The static server looks routes up per request, so filling this object afterwards is enough.
    const routes: Record<string, string> = {};
    cluster = await startBrowserCluster({ chromium: CHROMIUM!, janus: { plugins: PLUGINS, stockRecordings: true }, routes, timeoutMs: TIMEOUT });
    Object.assign(routes, demoRoutes(settings, cluster.proxy.url));
  });
  after(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string): Promise<Page> {
    const page = await cluster!.browser.context.newPage();
    pages.push({ page, log: captureConsole(page) });
    page.setDefaultTimeout(TIMEOUT);
    await recordPeerConnections(page);
    await page.goto(`${cluster!.web.url}/${name}.html`);
    await page.click('#start');
    return page;
  }

  /** Runs `body`; on failure appends the pages' console and the Janus logs; closes the pages. */
  async function withDiagnostics(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      const detail = pages.map((p) => `--- ${p.page.url()} ---\n${p.log.slice(-20).join('\n')}`).join('\n')
        + `\n--- janus ---\n${cluster!.janus.map((j) => `${j.name}:\n${j.logTail(10)}`).join('\n')}`;
      if (err instanceof Error) err.message += `\n${detail}`;
      throw err;
    } finally {
      await Promise.all(pages.splice(0).map((p) => p.page.close()));
    }
  }

  function until(page: Page, what: string, ok: (i: Inbound) => boolean): Promise<Inbound> {
    return pollUntil(what, async () => { const i = await inbound(page); return ok(i) ? i : undefined; }, TIMEOUT, 250);
  }

  async function joinAs(page: Page, name: string): Promise<void> {
    await page.fill('#username', name);
    await page.click('#register');
  }

  /** Two tabs of the page, alice's then bob's, each joined under its name. */
  async function aliceAndBob(demo: string): Promise<[Page, Page]> {
    const alice = await open(demo);
    await joinAs(alice, 'alice');
    const bob = await open(demo);
    await joinAs(bob, 'bob');
    return [alice, bob];
  }

  it('EchoTest: the echoed audio and video arrive', () => withDiagnostics(async () => {
    const page = await open('echotest');
    await until(page, 'echoed video decoded and sound', (i) => i.framesDecoded > 10 && i.audioEnergy > 0);
  }));

  it('E2E test (insertable streams): with the crypto key typed in, the echoed encrypted media decode', () => withDiagnostics(async () => {
    const page = await open('e2etest');
    // The page asks for the key before it offers (bootbox prompt); frames only decode if both ends use it.
    await page.fill('.bootbox-input', 'mysecret');
    await page.click('.bootbox-accept');
    await until(page, 'echoed encrypted video decoded and sound', (i) => i.framesDecoded > 10 && i.audioEnergy > 0);
  }));

  it('DeviceTest: a person picks the camera and microphone listed and starts; the echo decodes', () => withDiagnostics(async () => {
    const page = await open('devicetest');
    // The page lists the devices and waits for a choice ("Change devices" makes the first offer); a
    // device only has an id once capture is allowed, so the test picks one that has (the fake ones).
    for (const sel of ['#audio-device', '#video-device']) {
      const option = page.locator(`${sel} option:not([value=""])`).first();
      await option.waitFor({ state: 'attached' });
      await page.selectOption(sel, (await option.getAttribute('value')) ?? '');
    }
    await page.click('#change-devices');
    await until(page, 'echoed video decoded and sound', (i) => i.framesDecoded > 10 && i.audioEnergy > 0);
  }));

  it('Screen sharing: the presenter creates a session, a viewer joins it by its id and decodes the screen', () => withDiagnostics(async () => {
    const presenter = await open('screensharingtest');
    await presenter.fill('#desc', 'shared by test');
    await presenter.click('#create');
    // The page announces the new session's id (a room made through the proxy) for others to join.
    const room = (await presenter.locator('#session').filter({ hasText: /\d+/ }).textContent())!.trim();
    await presenter.locator('.bootbox-alert .btn-primary').click();
    const viewer = await open('screensharingtest');
    await viewer.fill('#roomid', room);
    await viewer.click('#join');
    await until(viewer, 'the shared screen decoded', (i) => i.framesDecoded > 10);
  }));

  it('NoSIP: the page bridges its two legs through Janus; video decoded', () => withDiagnostics(async () => {
    const page = await open('nosiptest');
    await until(page, 'video over both NoSIP legs', (i) => i.framesDecoded > 20);
  }));

  for (const demo of ['multiopus', 'canvas']) {
    it(`${demo} (EchoTest variant): the echoed media arrive`, () => withDiagnostics(async () => {
      const page = await open(demo);
      await until(page, 'echoed media', (i) => i.packets > 50 && (i.framesDecoded > 10 || i.audioEnergy > 0));
    }));
  }

  for (const demo of ['videoroomtest', 'mvideoroomtest']) {
    it(`${demo}: two tabs in config room 1234 decode each other's video`, () => withDiagnostics(async () => {
      const [alice, bob] = await aliceAndBob(demo);
      // Each page shows the other's name over its remote video, and decodes it.
      await bob.locator('text=alice').first().waitFor();
      await alice.locator('text=bob').first().waitFor();
      await Promise.all([alice, bob].map((p) => until(p, 'remote video decoded', (i) => i.framesDecoded > 10)));
    }));
  }

  it('TextRoom: a chat message from one tab shows in the other (room named only on the data channel)', () => withDiagnostics(async () => {
    const [alice, bob] = await aliceAndBob('textroomtest');
    await alice.locator('#list', { hasText: 'bob' }).waitFor();
    await bob.locator('#datasend:enabled').waitFor();
    await bob.fill('#datasend', 'hello from bob');
    await bob.press('#datasend', 'Enter');
    await alice.locator('#chatroom', { hasText: 'hello from bob' }).waitFor();
  }));

  it('AudioBridge: two tabs in config room 1234 hear the mix (non-silent audio)', () => withDiagnostics(async () => {
    const [alice, bob] = await aliceAndBob('audiobridgetest');
    await alice.locator('#list', { hasText: 'bob' }).waitFor();
    await bob.locator('#list', { hasText: 'alice' }).waitFor();
    await Promise.all([alice, bob].map((p) => until(p, 'the other one in the mix', (i) => i.audioEnergy > 0)));
  }));

  it('Streaming: the on-demand file mountpoint of the stock config plays (non-silent audio)', () => withDiagnostics(async () => {
    const page = await open('streamingtest');
    await page.click('#streamset');
    await page.click('#streamslist a[id="3"]');
    await page.click('#watch');
    await until(page, 'the music arriving', (i) => i.audioEnergy > 0);
  }));

  it('VideoCall: register two users, call, answer; each decodes the other video', () => withDiagnostics(async () => {
    const callee = await open('videocalltest');
    await joinAs(callee, 'callee');
    await callee.locator('#youok', { hasText: 'callee' }).waitFor();
    const caller = await open('videocalltest');
    await joinAs(caller, 'caller');
    await caller.locator('#youok', { hasText: 'caller' }).waitFor();
    await caller.fill('#peer', 'callee');
    await caller.click('#call');
    await callee.locator('.bootbox .btn-success').click();
    await Promise.all([caller, callee].map((p) => until(p, 'peer video decoded', (i) => i.framesDecoded > 10)));
  }));

  it('RecordPlay: record a clip, then play it back (its video decoded)', () => withDiagnostics(async () => {
    const page = await open('recordplaytest');
    await page.locator('#record:enabled').click();
    await page.fill('.bootbox-input', 'clip-by-test');
    await page.click('.bootbox .btn-primary');
    await until(page, 'a second of video recorded', (i) => i.framesSent > 30);
    await page.click('#stop');
    // The page lists the recordings again once the recording PeerConnection is gone; before that it
    // may have said "Recording completed!" (whether it does depends on which of its two `stopped`
    // events comes first), which a person closes.
    await page.locator('#recslist a', { hasText: 'clip-by-test' }).waitFor({ state: 'attached' });
    const done = page.locator('.bootbox-alert .btn-primary');
    if (await done.count() > 0) await done.click();
    await page.locator('#recset:enabled').click();
    await page.locator('#recslist a', { hasText: 'clip-by-test' }).click();
    const before = await inbound(page);
    await page.locator('#play:enabled').click();
    await until(page, 'the recording played back', (i) => i.framesDecoded > before.framesDecoded + 10);
  }));

  it('VoiceMail: a message is recorded and the page links the recorded file', () => withDiagnostics(async () => {
    const page = await open('voicemailtest');
    await page.locator('#record:enabled').click();
    // The plugin stops by itself after its 10 seconds and names the file it wrote.
    await page.locator('#download[href$=".opus"]').waitFor({ state: 'attached', timeout: 30_000 });
    const href = await page.locator('#download').getAttribute('href');
    assert.match(href ?? '', /^\/voicemail\/.+\.opus$/);
    // The file is on whichever Janus the proxy chose, and holds ten seconds of the microphone.
    const name = basename(href!);
    const sizes = cluster!.janus.map((j) => statSync(join(j.dir, 'voicemail', name), { throwIfNoEntry: false })?.size ?? 0);
    assert.ok(Math.max(...sizes) > 10_000, `recorded file sizes ${sizes.join(', ')}`);
  }));
});
