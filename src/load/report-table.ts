// The human-readable end of a run: the report as a small table, and the live line while it runs.
import type { Progress } from './runner.js';
import type { Percentiles, Report } from './stats.js';

const ms = (p: Percentiles): string =>
  p.count === 0 ? '-' : `p50 ${String(p.p50)}  p95 ${String(p.p95)}  p99 ${String(p.p99)}  max ${String(p.max)}  (n=${String(p.count)})`;

/** Loss of one direction: its streams, packets lost and the share. */
function direction(d: Report['directions']['sent'] | Report['directions']['received']): string {
  const reported = 'reported_streams' in d ? `  reported ${String(d.reported_streams)}` : '';
  return `streams ${String(d.streams)}${reported}  lost ${String(d.lost)} (${d.loss_pct === null ? '-' : `${String(d.loss_pct)}%`})`;
}

export function formatReport(r: Report): string {
  const rows: [string, string][] = [
    ['peers', `planned ${String(r.peers.planned)}  connected ${String(r.peers.connected)}  failed ${String(r.peers.failed)}  aborted ${String(r.peers.aborted)}`],
    ['packets', `sent ${String(r.packets.sent)}  received ${String(r.packets.received)}  lost ${String(r.packets.lost)} (${r.loss_pct === null ? '-' : `${String(r.loss_pct)}%`})  wrong stream ${String(r.packets.wrong_stream)}  unverified ${String(r.packets.unverified)}`],
    ['first RTP ms', ms(r.first_rtp_ms)],
    ['ICE+DTLS ms', ms(r.ice_dtls_ms)],
    ['received (own)', direction(r.directions.received)],
    ['  jitter ms', ms(r.directions.received.jitter_ms)],
    ['sent (Janus RTCP)', direction(r.directions.sent)],
    ['  jitter ms', ms(r.directions.sent.jitter_ms)],
    ['  fraction lost %', ms(r.directions.sent.fraction_lost_pct)],
    ...Object.entries(r.signalling_ms).map(([verb, p]): [string, string] => [`${verb} ms`, ms(p)]),
    ['kbit/s per peer', `sent ${String(r.bitrate_kbps.sent_per_peer ?? '-')}  received ${String(r.bitrate_kbps.received_per_peer ?? '-')}`],
    ['backends', Object.entries(r.backends).map(([host, n]) => `${host}: ${String(n)}`).join('  ') || '-'],
    ...(r.proxy_backends || r.proxy_backends_error
      ? [['proxy says', r.proxy_backends_error ?? Object.entries(r.proxy_backends ?? {}).map(([name, n]) => `${name}: ${String(n)}`).join('  ')] as [string, string]]
      : []),
    ['errors', Object.entries(r.errors).map(([code, n]) => `${code} x${String(n)}`).join('  ') || '-'],
    ...r.failures.map((f): [string, string] => ['failure', `${f.peer}: ${f.reason}`]),
    ['cpu % of a core', r.cpu.per_process_pct.join(' ')],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const head = `janus-load: ${r.target.scenario} against ${r.target.url} (${r.target.transport}, ${String(r.target.workers)} process${r.target.workers > 1 ? 'es' : ''}), ${String(r.run_seconds)} s${r.interrupted ? ', interrupted' : ''}`;
  const warning = r.cpu.warning ? `WARNING: ${r.cpu.warning}\n` : '';
  return `${head}\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n${warning}`;
}

export function formatProgress(p: Progress): string {
  const phase = p.phase === 'ramp' ? `ramp ${String(p.started)}/${String(p.planned)}` : p.phase;
  return `[${phase}] connected ${String(p.connected)}  failed ${String(p.failed)}  verified ${String(p.verified)} pkt/s  cpu ${String(Math.round(p.cpuPct))}%`;
}
