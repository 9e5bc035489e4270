// The figures of a load run: raw samples and counters (mergeable over worker processes) and the report
// computed from them. Raw samples are kept (not only percentiles) so that merged percentiles are exact.
import type { SentStreamReport } from './rtcp-reports.js';
import type { ReceiveTotals, SendCounters } from './synthetic-media.js';

export type Failure = { peer: string; code: number | null; reason: string };

/** The run at one second from the start of its ramp; counters are cumulative (rates are differences). */
export type TimelineSample = {
  s: number;
  started: number;
  connected: number;
  failed: number;
  /** Received payload bytes, verified packets and packets expected from counter ranges, over all peers. */
  rxBytes: number;
  verified: number;
  expected: number;
};

export type RawStats = {
  planned: number;
  connected: number;
  failed: number;
  /** Peers whose setup was cut short by the stop (Ctrl-C): neither connected nor failed. */
  aborted: number;
  failures: Failure[];
  errors: Record<string, number>;
  firstRtpMs: number[];
  iceMs: number[];
  /** Interarrival jitter (RFC 3550, from the payload counters) of every stream received, at the stop. */
  jitterMs: number[];
  signallingMs: Record<string, number[]>;
  sent: SendCounters;
  /** The sent direction from Janus's RTCP receiver reports (the last one per stream sent over WebRTC). */
  rtcpSent: RtcpSentTotals;
  received: ReceiveTotals;
  /** Peers per Janus host, from the candidates of Janus's SDP (the address media flows to). */
  backends: Record<string, number>;
  /** Handles per backend name as the proxy's admin API lists them (--admin-url), taken once every peer is set up. */
  proxyBackends: Record<string, number> | null;
  /** Why proxyBackends could not be read. */
  proxyBackendsError: string | null;
  /** Seconds of the run (start of the ramp to the stop). */
  runSeconds: number;
  /** Peer-seconds of sending and of receiving (each peer from its first media to the stop): bitrate per peer. */
  sendSeconds: number;
  receiveSeconds: number;
  /** Share of one core the process used over the run, one entry per process. */
  cpuPct: number[];
  interrupted: boolean;
  /** One sample a second (for the HTML report's plots); worker processes' samples add up by index. */
  timeline: TimelineSample[];
};

export type RtcpSentTotals = {
  /** Streams sent over WebRTC, and those Janus sent at least one receiver report about. */
  streams: number;
  reported: number;
  /** Sums over the reported streams: cumulative lost, and packets sent when the last report came. */
  lost: number;
  sentAtReport: number;
  /** Per reported stream: fraction lost (%) and interarrival jitter (ms) of its last report. */
  fractionLostPct: number[];
  jitterMs: number[];
};

const KEPT_FAILURES = 10;
const MAX_REASON = 300;

export function emptyStats(planned: number): RawStats {
  return {
    planned, connected: 0, failed: 0, aborted: 0, failures: [], errors: {}, firstRtpMs: [], iceMs: [], jitterMs: [], signallingMs: {},
    sent: { packets: 0, bytes: 0 }, rtcpSent: { streams: 0, reported: 0, lost: 0, sentAtReport: 0, fractionLostPct: [], jitterMs: [] }, received: { verified: 0, wrongStream: 0, unverified: 0, expected: 0, bytes: 0 },
    backends: {}, proxyBackends: null, proxyBackendsError: null, runSeconds: 0, sendSeconds: 0, receiveSeconds: 0, cpuPct: [], interrupted: false,
    timeline: [],
  };
}

export function recordFailure(stats: RawStats, failure: Failure): void {
  stats.failed++;
  const key = failure.code === null ? 'none' : String(failure.code);
  stats.errors[key] = (stats.errors[key] ?? 0) + 1;
  // Reasons can quote whole Janus events: keep the report readable.
  const reason = failure.reason.length > MAX_REASON ? `${failure.reason.slice(0, MAX_REASON)}…` : failure.reason;
  if (stats.failures.length < KEPT_FAILURES) stats.failures.push({ ...failure, reason });
}

/** Adds one peer's last RTCP reports (undefined: a stream Janus never reported on). */
export function addSentReports(stats: RawStats, reports: readonly (SentStreamReport | undefined)[]): void {
  const into = stats.rtcpSent;
  for (const r of reports) {
    into.streams++;
    if (!r) continue;
    into.reported++;
    into.lost += Math.max(0, r.lost);
    into.sentAtReport += r.sentAtReport;
    into.fractionLostPct.push(r.fractionLost * 100);
    into.jitterMs.push(r.jitterMs);
  }
}

export function mergeStats(parts: RawStats[]): RawStats {
  const out = emptyStats(0);
  for (const p of parts) {
    out.planned += p.planned;
    out.connected += p.connected;
    out.failed += p.failed;
    out.aborted += p.aborted;
    out.failures.push(...p.failures.slice(0, Math.max(0, KEPT_FAILURES - out.failures.length)));
    for (const [code, n] of Object.entries(p.errors)) out.errors[code] = (out.errors[code] ?? 0) + n;
    out.firstRtpMs.push(...p.firstRtpMs);
    out.iceMs.push(...p.iceMs);
    out.jitterMs.push(...p.jitterMs);
    for (const [verb, samples] of Object.entries(p.signallingMs)) (out.signallingMs[verb] ??= []).push(...samples);
    out.sent.packets += p.sent.packets;
    out.sent.bytes += p.sent.bytes;
    for (const k of ['streams', 'reported', 'lost', 'sentAtReport'] as const) out.rtcpSent[k] += p.rtcpSent[k];
    out.rtcpSent.fractionLostPct.push(...p.rtcpSent.fractionLostPct);
    out.rtcpSent.jitterMs.push(...p.rtcpSent.jitterMs);
    for (const k of ['verified', 'wrongStream', 'unverified', 'expected', 'bytes'] as const) out.received[k] += p.received[k];
    for (const [host, n] of Object.entries(p.backends)) out.backends[host] = (out.backends[host] ?? 0) + n;
    if (p.proxyBackends) {
      out.proxyBackends ??= {};
      for (const [name, n] of Object.entries(p.proxyBackends)) out.proxyBackends[name] = (out.proxyBackends[name] ?? 0) + n;
    }
    out.proxyBackendsError ??= p.proxyBackendsError;
    out.runSeconds = Math.max(out.runSeconds, p.runSeconds);
    out.sendSeconds += p.sendSeconds;
    out.receiveSeconds += p.receiveSeconds;
    out.cpuPct.push(...p.cpuPct);
    out.interrupted ||= p.interrupted;
  }
  out.timeline = mergeTimelines(parts.map((p) => p.timeline));
  return out;
}

/**
 * Sums the workers' samples second by second (workers start together, so index i is the same second).
 * A worker with fewer samples (it stopped a tick earlier) counts with its last, final sample from there
 * on: its counters are cumulative, so the sums stay right and the last merged sample is every worker's final one.
 */
function mergeTimelines(parts: readonly (readonly TimelineSample[])[]): TimelineSample[] {
  const length = Math.max(0, ...parts.map((p) => p.length));
  return Array.from({ length }, (_, i) => {
    const at: TimelineSample = { s: 0, started: 0, connected: 0, failed: 0, rxBytes: 0, verified: 0, expected: 0 };
    for (const part of parts) {
      const sample = part[Math.min(i, part.length - 1)];
      if (!sample) continue;
      at.s = Math.max(at.s, sample.s);
      for (const k of ['started', 'connected', 'failed', 'rxBytes', 'verified', 'expected'] as const) at[k] += sample[k];
    }
    return at;
  });
}

export type Percentiles = { count: number; p50: number | null; p95: number | null; p99: number | null; max: number | null };

export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number | null => {
    if (sorted.length === 0) return null;
    return Math.round((sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0) * 10) / 10;
  };
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

/** The generator is the bottleneck above this share of one core: figures then describe it, not the target. */
export const CPU_WARNING_PCT = 85;

/** Below this share of the asked bitrate, the generator did not keep up (its timers fired late). */
const SEND_RATE_WARNING = 0.85;

export type Report = ReturnType<typeof buildReport>;

export function buildReport(stats: RawStats, target: { url: string; scenario: string; transport: string; workers: number; kbps: number }) {
  const lost = Math.max(0, stats.received.expected - stats.received.verified);
  const pct = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 10_000) / 100 : null);
  const rtcp = stats.rtcpSent;
  const kbps = (bytes: number, peerSeconds: number): number | null => (peerSeconds > 0 ? Math.round((bytes * 8) / 1000 / peerSeconds) : null);
  const cpuMax = stats.cpuPct.length > 0 ? Math.max(...stats.cpuPct) : 0;
  const sentKbps = kbps(stats.sent.bytes, stats.sendSeconds);
  const warnings: string[] = [];
  if (cpuMax > CPU_WARNING_PCT) warnings.push(`the load generator used ${String(Math.round(cpuMax))}% of a core: figures may describe it rather than the target (use --workers)`);
  // Timers firing late send less than asked: the machine running the generator is saturated.
  if (sentKbps !== null && sentKbps < target.kbps * SEND_RATE_WARNING) warnings.push(`peers sent ${String(sentKbps)} of ${String(target.kbps)} kbit/s: the load generator's machine is falling behind`);
  return {
    target,
    interrupted: stats.interrupted,
    run_seconds: Math.round(stats.runSeconds * 10) / 10,
    peers: { planned: stats.planned, connected: stats.connected, failed: stats.failed, aborted: stats.aborted },
    failures: stats.failures,
    errors: stats.errors,
    packets: {
      sent: stats.sent.packets,
      received: stats.received.verified,
      expected: stats.received.expected,
      lost,
      wrong_stream: stats.received.wrongStream,
      unverified: stats.received.unverified,
    },
    /** Received direction (the same as directions.received.loss_pct): kept at the top for scripts. */
    loss_pct: pct(lost, stats.received.expected),
    first_rtp_ms: percentiles(stats.firstRtpMs),
    ice_dtls_ms: percentiles(stats.iceMs),
    /** Over the streams received (one sample per stream and receiver). */
    jitter_ms: percentiles(stats.jitterMs),
    /**
     * Loss and jitter per direction. sent: what Janus received from our peers, from the RTCP receiver
     * reports Janus sends back (the last one per stream); received: what our peers received, from
     * payload counters (or RTP sequence numbers) and arrival times.
     */
    directions: {
      sent: {
        source: 'rtcp' as const,
        streams: rtcp.streams,
        reported_streams: rtcp.reported,
        lost: rtcp.lost,
        loss_pct: pct(rtcp.lost, rtcp.sentAtReport),
        fraction_lost_pct: percentiles(rtcp.fractionLostPct),
        jitter_ms: percentiles(rtcp.jitterMs),
      },
      received: {
        source: 'payload' as const,
        streams: stats.jitterMs.length,
        lost,
        loss_pct: pct(lost, stats.received.expected),
        jitter_ms: percentiles(stats.jitterMs),
      },
    },
    signalling_ms: Object.fromEntries(Object.entries(stats.signallingMs).map(([verb, s]) => [verb, percentiles(s)])),
    bitrate_kbps: { sent_per_peer: sentKbps, received_per_peer: kbps(stats.received.bytes, stats.receiveSeconds) },
    backends: stats.backends,
    proxy_backends: stats.proxyBackends,
    proxy_backends_error: stats.proxyBackendsError,
    cpu: {
      per_process_pct: stats.cpuPct.map((p) => Math.round(p)),
      warning: warnings.length > 0 ? warnings.join('; ') : null,
    },
  };
}

/** The exit status of a run: 1 when any peer failed or none connected, 130 after Ctrl-C, else 0. */
export function exitCodeOf(report: Report): number {
  if (report.peers.failed > 0 || (report.peers.connected === 0 && !report.interrupted)) return 1;
  return report.interrupted ? 130 : 0;
}
