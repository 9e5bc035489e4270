// janus-load's AudioBridge and Streaming scenarios run as a process against one real Janus (network
// namespace), and its HTML report opened in headless Chromium: plots present and actually drawn.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, describeBrowser, launchChromium, type ChromiumBrowser } from '../support/chromium.js';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { artifactPath } from '../support/web-ui.js';
import { runCli } from '../support/processes.js';
import type { Report, TimelineSample } from '../../src/load/stats.js';

async function load(args: string[]): Promise<{ code: number; report: Report }> {
  const { code, stdout, stderr } = await runCli('janus-load', [...args, '--json', '-']);
  try {
    return { code, report: JSON.parse(stdout) as Report };
  } catch {
    assert.fail(`no JSON report (exit ${String(code)}): ${stdout}\n${stderr}`);
  }
}

describe('janus-load audiobridge and streaming against one real Janus', { timeout: 180_000 }, () => {
  let janus: JanusInstance;
  let args: string[];
  let dir: string;
  /** Signalling request types of the streaming run: one histogram each in its HTML report. */
  let verbs = 0;

  before(async () => {
    [janus] = (await startJanusCluster(1, { plugins: ['audiobridge', 'streaming'] })) as [JanusInstance];
    args = ['--url', janus.wsUrl, '--ice-address', janus.peerAddress!, '--ramp', '10'];
    dir = mkdtempSync(join(tmpdir(), 'janus-load-html-'));
  });
  after(async () => {
    await janus.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the command: every peer connected with (verified, or loud) media, loss below `maxLossPct`, exit 0. */
  async function healthyRun(extra: string[], peers: number, maxLossPct: number): Promise<{ report: Report; detail: string }> {
    const { code, report } = await load([...args, ...extra]);
    const detail = JSON.stringify(report, null, 1);
    assert.deepEqual(report.peers, { planned: peers, connected: peers, failed: 0, aborted: 0 }, detail);
    assert.equal(code, 0);
    assert.equal(report.first_rtp_ms.count, peers, detail);
    assert.equal(report.packets.wrong_stream, 0, detail);
    assert.ok(report.loss_pct !== null && report.loss_pct < maxLossPct, detail);
    return { report, detail };
  }

  it('audiobridge: 3 participants each hear a mix that is not silent', async () => {
    // Received counts only loud packets of the mix (each participant hears the other two's tones).
    const { report, detail } = await healthyRun(['--scenario', 'audiobridge', '--rooms', '1', '--participants', '3', '--duration', '3'], 3, 2);
    assert.ok(report.packets.received > 3 * 100, detail);
  });

  it('streaming: 3 viewers of mountpoints the tool creates and feeds (one per worker, two workers)', async () => {
    const { report, detail } = await healthyRun(['--scenario', 'streaming', '--viewers', '3', '--workers', '2', '--duration', '3', '--html', join(dir, 'report.html')], 3, 1);
    verbs = Object.keys(report.signalling_ms).length;
    assert.ok(report.packets.received > 3 * 100, detail);
  });

  it('streaming --mountpoint: 3 viewers of the stock a-law radio mountpoint, its packets counted by sequence numbers', async () => {
    const { report, detail } = await healthyRun(['--scenario', 'streaming', '--mountpoint', '2', '--viewers', '3', '--duration', '2'], 3, 1);
    // 50 a-law packets a second to each viewer; the tool sent nothing itself.
    assert.ok(report.packets.received > 3 * 50, detail);
    assert.equal(report.packets.sent, 0, detail);
  });

  describeBrowser('the streaming run\'s HTML report in headless Chromium', {}, () => {
    let browser: ChromiumBrowser | undefined;
    before(async () => { browser = await launchChromium(CHROMIUM); });
    after(async () => { await browser?.close(); });

    it('shows every plot, each drawn, and the page is not blank', async () => {
      const page = await browser!.context.newPage();
      await page.goto(`file://${join(dir, 'report.html')}`);
      // Peers, bitrate, loss over time; first RTP and ICE+DTLS histograms; one per signalling request type.
      const drawn = await page.locator('svg.plot').evaluateAll((svgs) => svgs.map((svg) =>
        svg.querySelectorAll('rect.bar').length + [...svg.querySelectorAll('polyline.series')].filter((l) => (l.getAttribute('points') ?? '').split(' ').length >= 2).length));
      assert.equal(drawn.length, 5 + verbs);
      // The workers' timelines add up: all 3 viewers connected at the end.
      const timeline = JSON.parse(await page.locator('#timeline').textContent() ?? '[]') as TimelineSample[];
      assert.deepEqual([timeline.at(-1)?.started, timeline.at(-1)?.connected, timeline.at(-1)?.failed], [3, 3, 0], JSON.stringify(timeline));
      assert.equal(timeline[0]?.s, 0);
      assert.ok(drawn.every((n) => n > 0), `plots with nothing drawn: ${JSON.stringify(drawn)}`);
      const png = await page.screenshot({ fullPage: true, path: artifactPath('janus-load-report.png') });
      // Decoded by the browser itself: the share of non-white pixels and the number of distinct colours.
      const pixels = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d');
        if (!ctx) return { inked: 0, colours: 0 };
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, img.width, img.height).data;
        const colours = new Set<number>();
        let inked = 0;
        for (let i = 0; i < data.length; i += 4) {
          const [r, g, b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
          if (r < 240 || g < 240 || b < 240) inked++;
          colours.add((r << 16) | (g << 8) | b);
        }
        return { inked: inked / (data.length / 4), colours: colours.size };
      }, png.toString('base64'));
      assert.ok(pixels.inked > 0.01 && pixels.colours > 20, JSON.stringify(pixels));
    });
  });
});
