// janus-load's AudioBridge and Streaming scenarios run as a process against one real Janus (network
// namespace): whose voice each AudioBridge participant hears, Ctrl-C mid-run (report printed, nothing
// left behind on Janus or in the process table), and its HTML report opened in headless Chromium.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, describeBrowser, launchChromium, type ChromiumBrowser } from '../support/chromium.js';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { artifactPath } from '../support/web-ui.js';
import { pollUntil, runCli, trackChild, waitForExit } from '../support/processes.js';
import { JanusTestClient } from '../support/janus-client.js';
import { listSessions } from '../support/cluster-helpers.js';
import { openHandle, syncRequest } from '../support/plugin-messages.js';
import type { Report, TimelineSample } from '../../src/load/stats.js';

async function load(args: string[]): Promise<{ code: number; report: Report }> {
  const { code, stdout, stderr } = await runCli('janus-load', [...args, '--json', '-']);
  try {
    return { code, report: JSON.parse(stdout) as Report };
  } catch {
    assert.fail(`no JSON report (exit ${String(code)}): ${stdout}\n${stderr}`);
  }
}

/** The ids a plugin's `list` request returns (rooms or mountpoints); the session used is destroyed. */
async function pluginListIds(janus: JanusInstance, plugin: string, key: 'room' | 'id'): Promise<number[]> {
  const client = await JanusTestClient.connect(janus.wsUrl);
  try {
    const at = await openHandle(client, plugin);
    const data = await syncRequest(client, at, { request: 'list' });
    await client.request({ janus: 'destroy', session_id: at.session_id });
    return ((data.list ?? []) as Record<string, number>[]).map((entry) => entry[key] ?? 0);
  } finally {
    await client.close();
  }
}

/** Processes other than this one whose command line holds `marker` (a run's --room-base). */
function processesWith(marker: string): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid).flatMap((e) => {
    try {
      return readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').includes(marker) ? [Number(e)] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
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

  it('audiobridge: 3 participants each hear the other two\'s pitches in their mix, never their own', async () => {
    // Received counts only mix frames carrying both other participants' pitches; the own pitch is wrong-stream.
    const { report, detail } = await healthyRun(['--scenario', 'audiobridge', '--rooms', '1', '--participants', '3', '--duration', '3'], 3, 2);
    assert.ok(report.packets.received > 3 * 100, detail);
  });

  it('audiobridge: whose voice is checked, not loudness: participants skipping 20 % of their frames leave a loud mix, yet frames missing a voice count as lost', async () => {
    // Every participant skips 20 % (--send-loss applies to all): a mix frame misses a voice about 20 %
    // of the time per voice, yet is still loud with the other one. Each receiver expects two voices.
    const { code, report } = await load([...args, '--scenario', 'audiobridge', '--rooms', '1', '--participants', '3', '--duration', '4', '--send-loss', '20']);
    const detail = JSON.stringify({ peers: report.peers, packets: report.packets, directions: report.directions }, null, 1);
    assert.equal(code, 0, detail);
    assert.equal(report.packets.wrong_stream, 0, detail);
    // Janus's own RTCP: 20 % of every voice lost on the way in.
    assert.ok((report.directions.sent.loss_pct ?? 0) > 15 && (report.directions.sent.loss_pct ?? 100) < 25, detail);
    // 1 - 0.8² = 36 % of the frames miss one of the two voices a receiver expects (mixer timing blurs it).
    assert.ok((report.directions.received.loss_pct ?? 0) > 20 && (report.directions.received.loss_pct ?? 100) < 55, detail);
  });

  for (const scenario of ['audiobridge', 'streaming'] as const) {
    it(`${scenario}: Ctrl-C mid-run with two workers prints the report and leaves no session, ${scenario === 'audiobridge' ? 'room' : 'mountpoint'} or process behind`, async () => {
      const marker = String(2_100_000_000 + Math.floor(Math.random() * 40_000_000));
      const shape = scenario === 'audiobridge' ? ['--rooms', '2', '--participants', '2'] : ['--viewers', '4'];
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/janus-load.ts', ...args, '--scenario', scenario, ...shape, '--duration', '120', '--workers', '2', '--room-base', marker, '--json', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
      trackChild(child, 'janus-load');
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      await pollUntil(`janus-load running with 4 peers (stderr: ${err})`, () => (/\[run\] connected 4/.test(err) ? true : undefined), 90_000, 50);
      const key = scenario === 'audiobridge' ? 'room' : 'id';
      const plugin = `janus.plugin.${scenario}`;
      const ours = (ids: number[]): number[] => ids.filter((id) => id === Number(marker) || id === Number(marker) + 1);
      assert.equal(ours(await pluginListIds(janus, plugin, key)).length, 2, 'a room (mountpoint) per worker while running');
      assert.equal(processesWith(marker).length, 3, 'the command and its two workers running');
      child.kill('SIGINT');
      assert.ok(await waitForExit(child, 30_000), 'janus-load exited after SIGINT');
      assert.equal(child.exitCode, 130);
      const report = JSON.parse(out) as Report;
      assert.equal(report.interrupted, true);
      assert.deepEqual(report.peers, { planned: 4, connected: 4, failed: 0, aborted: 0 }, JSON.stringify(report));
      assert.ok(report.packets.received > 0, JSON.stringify(report.packets));
      assert.deepEqual(processesWith(marker), []);
      // Sessions are destroyed before the command exits; the list request below opens (and destroys) its own.
      await pollUntil('every session destroyed on Janus', async () => ((await listSessions(janus)).length === 0 ? true : undefined), 10_000);
      assert.deepEqual(ours(await pluginListIds(janus, plugin, key)), []);
    });
  }

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
