// janus-load's figures: the verifiable payload, loss and wrong-stream counting, percentiles, the
// merge of worker reports and the exit status.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePayload, encodePayload, MediaVerifier } from '../../src/load/synthetic-media.js';
import { addSentReports, buildReport, emptyStats, exitCodeOf, mergeStats, percentiles, recordFailure } from '../../src/load/stats.js';
import { amplitudeAt, decodePcmu, muLaw, pitchOf } from '../../src/load/tone.js';

const TARGET = { url: 'ws://x', scenario: 'echotest', transport: 'ws', workers: 1, kbps: 300 };

describe('janus-load figures', () => {
  it('a payload carries its stream id and counter after the codec prefix; others are not ours', () => {
    const payload = encodePayload(Buffer.from([0x10, 0x51, 0x01, 0x00]), 0x01000003, 4_000_000_000, 100);
    assert.equal(payload.length, 100);
    assert.deepEqual(decodePayload(payload), { streamId: 0x01000003, counter: 4_000_000_000 });
    assert.equal(decodePayload(Buffer.from([0xf8, 0xff, 0xfe])), undefined);
  });

  it('loss comes from counter gaps per expected stream; another stream\'s packets are wrong, not received', () => {
    const verifier = new MediaVerifier((_mid, kind) => (kind === 'audio' ? 7 : 8));
    for (const n of [10, 11, 13, 14]) verifier.onPacket('0', 'audio', encodePayload(Buffer.alloc(0), 7, n, 0));
    verifier.onPacket('1', 'video', encodePayload(Buffer.alloc(0), 7, 1, 0));
    verifier.onPacket('1', 'video', Buffer.from('not ours'));
    const totals = verifier.totalsNow();
    assert.deepEqual({ ...totals, bytes: 0 }, { verified: 4, expected: 5, wrongStream: 1, unverified: 1, bytes: 0 });
    assert.equal(verifier.streamsSeen, 1);
    assert.equal(verifier.jitters().length, 1);
  });

  it('a mix frame tells whose pitches it carries, from any starting sample, after µ-law', () => {
    const frame = Buffer.alloc(160);
    // Participants 0 and 2 speak, 1 does not; the frame starts mid-tone (the mixer's frames are not ours).
    for (let i = 0; i < 160; i++) {
      const t = i + 37;
      frame[i] = muLaw(Math.round(4000 * Math.sin((2 * Math.PI * pitchOf(0) * t) / 8000) + 4000 * Math.sin((2 * Math.PI * pitchOf(2) * t) / 8000 + 1)));
    }
    const samples = decodePcmu(frame);
    assert.ok(Math.abs(amplitudeAt(samples, pitchOf(0)) - 4000) < 200);
    assert.ok(Math.abs(amplitudeAt(samples, pitchOf(2)) - 4000) < 200);
    assert.ok(amplitudeAt(samples, pitchOf(1)) < 100);
    assert.equal(pitchOf(30), pitchOf(0));
  });

  it('the sent direction: Janus\'s last report per stream, loss over what was sent when it came', () => {
    const stats = emptyStats(1);
    addSentReports(stats, [
      { lost: 5, sentAtReport: 100, fractionLost: 0.05, jitterMs: 2, reports: 3 },
      { lost: 0, sentAtReport: 100, fractionLost: 0, jitterMs: 4, reports: 3 },
      undefined,
    ]);
    const { sent } = buildReport(mergeStats([stats, emptyStats(0)]), TARGET).directions;
    assert.deepEqual([sent.streams, sent.reported_streams, sent.lost, sent.loss_pct], [3, 2, 5, 2.5]);
    assert.deepEqual([sent.jitter_ms.count, sent.jitter_ms.max, sent.fraction_lost_pct.max], [2, 4, 5]);
  });

  it('worker timelines of unequal length: a worker that stopped a tick earlier counts with its final sample', () => {
    const sample = (s: number, connected: number, verified: number) => ({ s, started: 2, connected, failed: 0, rxBytes: 0, verified, expected: verified });
    const a = { ...emptyStats(2), timeline: [sample(0, 0, 0), sample(1, 2, 50), sample(1.5, 2, 80)] };
    const b = { ...emptyStats(2), timeline: [sample(0, 0, 0), sample(1, 1, 40), sample(2, 2, 90), sample(2.4, 2, 110)] };
    const merged = mergeStats([a, b]).timeline;
    assert.deepEqual(merged.map((t) => [t.s, t.connected, t.verified]), [[0, 0, 0], [1, 3, 90], [2, 4, 170], [2.4, 4, 190]]);
  });

  it('percentiles are nearest-rank over the samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(percentiles(samples), { count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    assert.deepEqual(percentiles([]), { count: 0, p50: null, p95: null, p99: null, max: null });
  });

  it('worker reports merge by summing counts and pooling samples', () => {
    const a = emptyStats(2);
    a.connected = 2;
    a.firstRtpMs = [100, 300];
    a.backends = { '10.0.0.2': 2 };
    a.cpuPct = [40];
    const b = emptyStats(2);
    b.connected = 1;
    recordFailure(b, { peer: 'p', code: 403, reason: '403 Unauthorized' });
    b.firstRtpMs = [200];
    b.backends = { '10.0.0.2': 1 };
    b.cpuPct = [90];
    const report = buildReport(mergeStats([a, b]), { ...TARGET, workers: 2 });
    assert.deepEqual(report.peers, { planned: 4, connected: 3, failed: 1, aborted: 0 });
    assert.deepEqual(report.errors, { 403: 1 });
    assert.equal(report.first_rtp_ms.p50, 200);
    assert.deepEqual(report.backends, { '10.0.0.2': 3 });
    assert.match(report.cpu.warning ?? '', /90% of a core/);
    assert.equal(exitCodeOf(report), 1);
  });

  it('exit status: 0 all connected, 130 interrupted, 1 when nothing connected', () => {
    const ok = emptyStats(1);
    ok.connected = 1;
    assert.equal(exitCodeOf(buildReport(ok, TARGET)), 0);
    ok.interrupted = true;
    assert.equal(exitCodeOf(buildReport(ok, TARGET)), 130);
    assert.equal(exitCodeOf(buildReport(emptyStats(1), TARGET)), 1);
  });
});
