// janus-load's AudioBridge and Streaming scenarios run as a process against one real Janus (network
// namespace), and its HTML report opened in headless Chromium: plots present and actually drawn.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { runCli } from '../support/processes.js';
import type { Report } from '../../src/load/stats.js';

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

  before(async () => {
    [janus] = (await startJanusCluster(1, { plugins: ['audiobridge', 'streaming'] })) as [JanusInstance];
    args = ['--url', janus.wsUrl, '--ice-address', janus.peerAddress!, '--ramp', '10'];
    dir = mkdtempSync(join(tmpdir(), 'janus-load-html-'));
  });
  after(async () => {
    await janus.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('audiobridge: 3 participants each hear a mix that is not silent', async () => {
    const { code, report } = await load([...args, '--scenario', 'audiobridge', '--rooms', '1', '--participants', '3', '--duration', '3']);
    const detail = JSON.stringify(report, null, 1);
    assert.deepEqual(report.peers, { planned: 3, connected: 3, failed: 0, aborted: 0 }, detail);
    assert.equal(code, 0);
    assert.equal(report.first_rtp_ms.count, 3, detail);
    assert.ok(report.packets.received > 3 * 100, detail);
    assert.ok(report.loss_pct !== null && report.loss_pct < 2, detail);
  });

  it('streaming: 3 viewers of a mountpoint the tool creates and feeds', async () => {
    const { code, report } = await load([...args, '--scenario', 'streaming', '--viewers', '3', '--duration', '3']);
    const detail = JSON.stringify(report, null, 1);
    assert.deepEqual(report.peers, { planned: 3, connected: 3, failed: 0, aborted: 0 }, detail);
    assert.equal(code, 0);
    assert.ok(report.packets.received > 3 * 100, detail);
    assert.equal(report.packets.wrong_stream, 0, detail);
    assert.ok(report.loss_pct !== null && report.loss_pct < 1, detail);
  });
});
