// The web dashboard, served by the admin API, against a proxy in front of two real Janus servers:
// its routes (static files without a token, the live channel and /sessions behind it), then the
// page itself in headless Chromium: token entry, both servers up, drain from the button, and a
// killed Janus turning red within 3 s. A screenshot goes to test-artifacts/dashboard.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { CHROMIUM, describeBrowser, launchChromium, type ChromiumBrowser } from '../support/chromium.js';
import { JanusTestClient } from '../support/janus-client.js';
import { echotestHandle } from '../support/cluster-helpers.js';
import { artifactPath, captureConsole, ensureWebBuilt, readEvents } from '../support/web-ui.js';
import type { DashboardSnapshot, RateSample, SessionView } from '../../src/admin/dashboard-types.js';

const TIMEOUT = 15_000; // Chromium under CPU contention on the shared 2-core box
const RED_WITHIN_MS = 3_000;

// The routes and the live channel need no browser: they run even when browser suites are opted out.
describe('web dashboard on the admin API', () => {
  let janus: JanusInstance[] = [];
  let proxy: TestProxy | undefined;

  before(async () => {
    ensureWebBuilt();
    janus = await startJanusCluster(2, { plugins: ['echotest'] });
    proxy = await startTestProxy(janus);
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  const admin = (path: string): string => `${proxy!.adminUrl!}${path}`;
  const row = (name: string, attrs = ''): string => `tr[data-backend="${name}"]${attrs}`;

  it('serves the UI and janus.js without a token, and keeps the API behind it', async () => {
    const index = await fetch(admin('/'));
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await index.text(), /<div id="app">/);
    for (const path of ['/demos/', '/demos/echotest.html', '/vendor/janus.js', '/vendor/adapter.js']) {
      const response = await fetch(admin(path));
      assert.equal(response.status, 200, path);
      await response.arrayBuffer();
    }
    for (const path of ['/events', '/sessions/1', '/backend_servers']) {
      assert.equal((await fetch(admin(path))).status, 401, path);
    }
    assert.equal((await fetch(admin('/events?token=wrong-token'))).status, 403);
    const missing = await fetch(admin('/no/such/file.js'));
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { code: 404, reason: 'No route GET /no/such/file.js' });
  });

  it('streams cluster snapshots (backends, totals, request rates, decisions) and tells where a handle landed', async () => {
    const client = await JanusTestClient.connect(proxy!.url);
    try {
      const { sessionId, handleId } = await echotestHandle(client);
      const sessions = (await (await fetch(admin(`/sessions/${String(sessionId)}?token=${TEST_ADMIN_TOKEN}`))).json()) as SessionView;
      assert.equal(sessions.session_id, sessionId);
      assert.equal(sessions.handles.length, 1);
      const [handle] = sessions.handles;
      assert.equal(handle!.handle_id, handleId);
      assert.equal(handle!.plugin, 'janus.plugin.echotest');
      assert.ok(janus.some((j) => j.name === handle!.backend), `landed on ${String(handle!.backend)}`);
      assert.equal((await fetch(admin(`/sessions/${String(sessionId + 1)}?token=${TEST_ADMIN_TOKEN}`))).status, 404);

      // The create and attach above show as a request rate in a later one-second sample.
      const samples: RateSample[] = [];
      const snapshot = await readEvents(admin(`/events?token=${TEST_ADMIN_TOKEN}`), (data) => {
        const s = data as DashboardSnapshot;
        samples.push(...s.samples);
        return s.proxy.sessions === 1 && samples.some((x) => x.requests_per_s > 0) ? s : undefined;
      }, 5_000);
      assert.deepEqual(snapshot.backends.map((b) => [b.name, b.effective_status, b.connected]), janus.map((j) => [j.name, 'up', true]));
      assert.equal(snapshot.proxy.handles, 1);
      assert.deepEqual(snapshot.rooms, [], 'the VideoRoom provides rooms: none yet');
      const decision = snapshot.decisions.find((d) => d.plugin === 'janus.plugin.echotest');
      assert.equal(decision?.chosen, handle!.backend);
      assert.equal(decision?.candidates.length, 2);
      assert.equal(snapshot.backends.find((b) => b.name === handle!.backend)?.current_handles, 1);
    } finally {
      await client.close();
    }
  });

  describeBrowser('the page in headless Chromium', {}, () => {
    let browser: ChromiumBrowser | undefined;
    let page: Page | undefined;
    let consoleLines: string[] = [];

    before(async () => { browser = await launchChromium(CHROMIUM, TIMEOUT); });
    after(async () => { await browser?.close(); });

    /** The failure with what the page said, so a red test explains itself. */
    async function explain<T>(body: () => Promise<T>): Promise<T> {
      try {
        return await body();
      } catch (err) {
        const html = await page?.locator('table.backends').innerHTML().catch(() => '(no table)');
        const detail = `\n--- backends table ---\n${html ?? ''}\n--- console ---\n${consoleLines.slice(-20).join('\n')}`;
        if (err instanceof Error) err.message += detail;
        throw err;
      }
    }

    it('asks for the token once, lists both Janus servers up, and drains one from its button', async () => {
      page = await browser!.context.newPage();
      consoleLines = captureConsole(page);
      page.setDefaultTimeout(TIMEOUT);
      await explain(async () => {
        await page!.goto(admin('/'));
        await page!.fill('input[name="token"]', 'not-the-token');
        await page!.click('button[type="submit"]');
        await page!.waitForSelector('text=That token was refused.');
        await page!.fill('input[name="token"]', TEST_ADMIN_TOKEN);
        await page!.click('button[type="submit"]');
        for (const j of janus) await page!.waitForSelector(row(j.name, '[data-health="ok"][data-status="up"]'));
        assert.equal(await page!.locator(row(janus[0]!.name, ' [data-role="status"]')).textContent(), 'up');
        await page!.waitForSelector('[data-role="live"]:text("live")');
        // The proxies of the cluster: here this one alone, taking new sessions.
        await page!.waitForSelector('table.proxies tr[data-proxy][data-accepting="true"]');
        assert.equal(await page!.locator('table.proxies tbody tr').count(), 1);

        // The token is kept: a reload goes straight to the dashboard.
        await page!.reload();
        await page!.waitForSelector(row(janus[1]!.name, '[data-health="ok"]'));

        const second = janus[1]!.name;
        await page!.click(`${row(second)} button.action-drain`);
        await page!.waitForSelector(row(second, '[data-health="warn"][data-status="draining"]'));
        const record = (await (await fetch(admin(`/backend_servers/${second}?token=${TEST_ADMIN_TOKEN}`))).json()) as { drained?: boolean };
        assert.equal(record.drained, true);
        await page!.click(`${row(second)} button.action-undrain`);
        await page!.waitForSelector(row(second, '[data-health="ok"][data-status="up"]'));
      });
    });

    it('turns a killed Janus red within 3 s', async () => {
      assert.ok(page, 'the page from the previous test');
      const victim = janus[0]!;
      await explain(async () => {
        await page!.waitForSelector(row(victim.name, '[data-health="ok"]'));
        const killedAt = Date.now();
        await victim.kill('SIGKILL');
        await page!.waitForSelector(row(victim.name, '[data-health="down"]'), { timeout: RED_WITHIN_MS });
        const elapsedMs = Date.now() - killedAt;
        assert.ok(elapsedMs <= RED_WITHIN_MS, `red after ${String(elapsedMs)} ms`);
        assert.match((await page!.locator(row(victim.name, ' [data-role="status"]')).textContent()) ?? '', /not connected/);
        // The other one stays green.
        await page!.waitForSelector(row(janus[1]!.name, '[data-health="ok"]'));
        await page!.screenshot({ path: artifactPath('dashboard.png'), fullPage: true });
      });
    });
  });
});
