// The dashboard's recordings, in headless Chromium: a VideoRoom room with `record: true` on a real
// Janus (its own namespace) gets a werift publisher through the proxy; a sentinel watching that Janus
// indexes and converts its recordings (found in Janus's working directory), one broken file fails.
// The page, narrowed to the room, shows each recording with its state, and its download link
// gives the converted file byte for byte. A screenshot goes to test-artifacts/dashboard-recordings.png.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Download } from 'playwright-core';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { startWatchingSentinel, type TestSentinel } from '../support/sentinel-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { publishWerift, videoRoomHandle, type Publisher } from '../support/videoroom-direct.js';
import { CHROMIUM, describeBrowser, launchChromium, type ChromiumBrowser } from '../support/chromium.js';
import { artifactPath, captureConsole, ensureWebBuilt } from '../support/web-ui.js';
import { pollUntil } from '../support/processes.js';
import type { Recording } from '../../src/sentinel/recordings/recording-index.js';

const TOKEN = 'recordings-dashboard-sentinel-token';
const ROOM = 7401;
const OTHER_ROOM = 7402;
const MEDIA_MS = 2_000;
const TIMEOUT = 15_000; // Chromium under CPU contention on the shared 2-core box
type Listed = Recording & { server: string };

/** A file Janus never wrote: its conversion fails with janus-pp-rec's reason. */
function writeBroken(dir: string, room: number): string {
  const id = `videoroom-${String(room)}-user-999-1700000000000000-audio`;
  writeFileSync(join(dir, `${id}.mjr`), Buffer.concat([Buffer.from('MJR00002', 'latin1'), Buffer.from('no header here')]));
  return id;
}

describe('recordings on the dashboard', { timeout: 150_000 }, () => {
  let janus: JanusInstance;
  let proxy: TestProxy;
  let sentinel: TestSentinel;
  let client: JanusTestClient | undefined;
  let publisher: Publisher | undefined;
  let listed: Listed[] = [];
  let broken = '';

  before(async () => {
    ensureWebBuilt();
    janus = await startJanus({ plugins: ['videoroom'], videoroom: {} });
    proxy = await startTestProxy([janus], { recordings: { sentinel_token: TOKEN } });
    sentinel = await startWatchingSentinel(janus, {
      proxies: [{ url: proxy.adminUrl!, token: TEST_ADMIN_TOKEN }],
      config: { admin_api: { token: TOKEN }, recordings: { enabled: true, scan_interval_ms: 200, complete_after_ms: 500 } },
    });

    // A room without rec_dir: Janus records into its working directory, which the sentinel finds.
    client = await JanusTestClient.connect(proxy.url);
    const control = await videoRoomHandle(client);
    assert.equal((await control.sync({ request: 'create', room: ROOM, record: true })).videoroom, 'created');
    publisher = await publishWerift(client, ROOM, { iceAddress: janus.peerAddress!, display: 'dana', id: 500 });
    await new Promise((resolve) => setTimeout(resolve, MEDIA_MS)); // some media to convert
    assert.equal((await publisher.handle.async({ request: 'unpublish' })).data.unpublished, 'ok');
    broken = writeBroken(janus.dir, ROOM);
    writeBroken(janus.dir, OTHER_ROOM);
    listed = await pollUntil('the room\'s recordings converted (or failed) and listed by the proxy', async () => {
      const res = await fetch(`${proxy.adminUrl!}/recordings?room=${String(ROOM)}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      const { recordings } = await res.json() as { recordings: Listed[] };
      const done = recordings.filter((r) => r.state === 'processed' || r.state === 'failed');
      return done.length === 3 ? recordings : undefined;
    }, 30_000);
  });
  after(async () => {
    await publisher?.peer.close();
    await client?.close();
    await sentinel.stop({ drain: false });
    await proxy.stop();
    await janus.stop();
  });

  describeBrowser('the page in headless Chromium', {}, () => {
    let browser: ChromiumBrowser | undefined;
    after(async () => { await browser?.close(); });

    it('shows the room\'s recordings with their state, and downloads the converted files', async () => {
      browser = await launchChromium(CHROMIUM, TIMEOUT);
      const page = await browser.context.newPage();
      const consoleLines = captureConsole(page);
      page.setDefaultTimeout(TIMEOUT);
      const row = (id: string): string => `tr[data-recording="${id}"]`;
      try {
        await page.goto(`${proxy.adminUrl!}/`);
        await page.fill('input[name="token"]', TEST_ADMIN_TOKEN);
        await page.click('button[type="submit"]');
        await page.waitForSelector('select[data-role="recordings-room"]');
        await page.selectOption('select[data-role="recordings-room"]', String(ROOM));
        // Only this room: its two converted recordings and the broken one.
        const shown = await page.locator('table.recordings tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-recording'), r.getAttribute('data-state')]));
        assert.deepEqual(shown.sort(), listed.map((r) => [r.id, r.state]).sort());
        assert.equal(listed.filter((r) => r.state === 'processed').length, 2, JSON.stringify(listed));
        assert.match(await page.locator(row(broken)).textContent() ?? '', /failed.*janus-pp-rec failed/s);
        await page.screenshot({ path: artifactPath('dashboard-recordings.png'), fullPage: true });

        for (const r of listed.filter((x) => x.state === 'processed')) {
          const cells = await page.locator(`${row(r.id)} td`).allTextContents();
          assert.deepEqual(cells.slice(0, 4), [`${String(ROOM)} videoroom`, 'dana (500)', `${r.kind!} ${r.codec!}`, janus.name]);
          const downloaded: Promise<Download> = page.waitForEvent('download');
          await page.click(`${row(r.id)} a[data-role="download"]`);
          const download: Download = await downloaded;
          assert.equal(download.suggestedFilename(), r.output);
          const saved = readFileSync(await download.path());
          assert.ok(saved.equals(readFileSync(join(janus.dir, r.output!))), `${r.id}: the downloaded file is the converted one byte for byte`);
        }
      } catch (err) {
        if (err instanceof Error) err.message += `\n--- console ---\n${consoleLines.slice(-20).join('\n')}`;
        throw err;
      }
    });
  });
});
