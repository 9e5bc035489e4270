// The official Janus Admin page (Debian janus-demos admin.html and admin.js, unmodified; only its
// adminconfig.js, the file meant for local settings, points at the proxy) in headless Chromium
// against the proxy's Janus Admin API: it lists the cluster's client sessions and opens a handle's info.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { startStaticServer, type StaticServer } from '../support/static-server.js';
import { CHROMIUM, describeBrowser, launchChromium, type ChromiumBrowser } from '../support/chromium.js';
import { echotestHandle } from '../support/cluster-helpers.js';

const DEMOS = '/usr/share/janus/demos';
const SECRET = 'admin-page-secret';

describeBrowser('the official admin.html against the proxy\'s Janus Admin API', { timeout: 90_000 }, () => {
  let janus: JanusInstance[];
  let proxy: TestProxy;
  let site: StaticServer;
  let browser: ChromiumBrowser;
  let client: JanusTestClient;
  let configDir: string;

  before(async () => {
    janus = await startJanusCluster(2, { netns: false, plugins: ['echotest'] });
    proxy = await startTestProxy(janus, {
      general: { admin_secret: SECRET },
      janus_admin: { enabled: true },
      janus_server: janus.map((j) => ({ name: j.name, url: j.wsUrl, admin_url: j.adminWsUrl, admin_secret: j.adminSecret })),
    });
    configDir = mkdtempSync(join(tmpdir(), 'jc-admin-page-'));
    writeFileSync(join(configDir, 'adminconfig.js'), `var server = ${JSON.stringify(proxy.janusAdminUrl)};\nvar secret = ${JSON.stringify(SECRET)};\n`);
    site = await startStaticServer({
      '/admin.html': join(DEMOS, 'admin.html'),
      '/admin.js': join(DEMOS, 'admin.js'),
      '/adminconfig.js': join(configDir, 'adminconfig.js'),
      '/javascript/jquery/jquery.min.js': join(DEMOS, 'javascript/jquery/jquery.min.js'),
      '/javascript/bootstrap/js/bootstrap.min.js': join(DEMOS, 'javascript/bootstrap/js/bootstrap.min.js'),
      '/javascript/bootbox/bootbox.min.js': join(DEMOS, 'javascript/bootbox/bootbox.min.js'),
    });
    browser = await launchChromium(CHROMIUM ?? '');
    client = await JanusTestClient.connect(proxy.url);
  });

  after(async () => {
    await client.close();
    await browser.close();
    await site.close();
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
    rmSync(configDir, { recursive: true, force: true });
  });

  it('lists the sessions with client ids and shows a handle\'s info from its Janus', async () => {
    const { sessionId, handleId } = await echotestHandle(client);
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/admin.html`);
    await page.click('a[href="#handlesinfo"]');
    await page.click(`#session-${String(sessionId)}`, { timeout: 15_000 });
    await page.click(`#handle-${String(handleId)}`, { timeout: 15_000 });
    await page.waitForFunction((plugin) => document.querySelector('#handle-info')?.textContent.includes(plugin) === true, 'janus.plugin.echotest', { timeout: 15_000 });
    const text = await page.textContent('#handle-info') ?? '';
    assert.ok(text.includes(String(sessionId)), 'the client\'s session id in the handle info');
    assert.ok(janus.some((j) => text.includes(j.name)), 'the backend named');
    await page.close();
  });
});
