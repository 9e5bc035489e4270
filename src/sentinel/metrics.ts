/**
 * The sentinel's Prometheus metrics, read from its state when Prometheus scrapes: Janus restarts,
 * ping round trip, status, the load figures it reports, Janus's open file descriptors and its
 * limit, and the recycles they caused.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { SERVER_STATUSES } from '../protocol/server-record.js';
import type { SentinelInfo } from './sentinel-info.js';

type LoadKey = 'sessions' | 'handles' | 'cpu_percent' | 'memory_bytes' | 'bandwidth_in_bps' | 'bandwidth_out_bps' | 'load_score' | 'open_fds' | 'max_fds';

const LOAD_GAUGES: [LoadKey, string, string][] = [
  ['sessions', 'janus_cloud_sentinel_janus_sessions', 'Sessions on the Janus (Admin API)'],
  ['handles', 'janus_cloud_sentinel_janus_handles', 'Handles on the Janus (Admin API, bounded sample)'],
  ['cpu_percent', 'janus_cloud_sentinel_janus_cpu_percent', 'CPU use of the Janus process (% of one core)'],
  ['memory_bytes', 'janus_cloud_sentinel_janus_memory_bytes', 'Resident memory of the Janus process'],
  ['bandwidth_in_bps', 'janus_cloud_sentinel_janus_receive_bits_per_second', 'Network receive rate of the Janus host'],
  ['bandwidth_out_bps', 'janus_cloud_sentinel_janus_transmit_bits_per_second', 'Network transmit rate of the Janus host'],
  ['load_score', 'janus_cloud_sentinel_load_score', 'Load score reported to proxies (0 idle, 1 full)'],
  ['open_fds', 'janus_cloud_sentinel_janus_open_fds', 'Open file descriptors of the Janus process (/proc/PID/fd)'],
  ['max_fds', 'janus_cloud_sentinel_janus_max_fds', 'Soft open-files limit (RLIMIT_NOFILE) of the Janus process; 0 unknown or unlimited'],
];

export function sentinelMetrics(info: () => SentinelInfo): Registry {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'janus_cloud_sentinel_process_' });
  new Gauge({ name: 'janus_cloud_sentinel_janus_restarts_total', help: 'Times the sentinel restarted Janus after it exited', registers, collect() { this.set(info().process.restarts ?? 0); } });
  new Gauge({ name: 'janus_cloud_sentinel_janus_recycles_total', help: 'Recycles (drain, restart) started because Janus ran short of file descriptors', registers, collect() { this.set(info().recycle.count); } });
  new Gauge({ name: 'janus_cloud_sentinel_ping_rtt_seconds', help: 'Round trip of the last Janus API ping', registers, collect() { this.set((info().liveness.rtt_ms ?? 0) / 1000); } });
  new Gauge({
    name: 'janus_cloud_sentinel_status', help: '1 for the status the sentinel reports', labelNames: ['status'], registers,
    collect() {
      const status = info().status;
      for (const s of SERVER_STATUSES) this.set({ status: s }, s === status ? 1 : 0);
    },
  });
  for (const [key, name, help] of LOAD_GAUGES) {
    new Gauge({ name, help, registers, collect() { this.set(info().load[key] ?? 0); } });
  }
  return registry;
}
