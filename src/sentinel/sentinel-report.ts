/** Builds the report this sentinel sends, from what it knows right now (a pure function). */
import type { ServerReport, ServerStatus } from '../protocol/server-record.js';
import type { Identity } from './identity.js';
import type { JanusInfo } from './janus-info.js';
import type { LoadSample } from './load.js';

export interface ReportInputs {
  identity: Identity;
  status: ServerStatus;
  janus: JanusInfo | undefined;
  /** Left out while Janus is down: figures of a dead process would be stale. */
  load: LoadSample;
  startTimeMs: number | undefined;
  /** The sentinel's REST API, once it listens. */
  sentinelUrl?: string | undefined;
  expireS: number;
  labels: { location?: string | undefined; isp?: string | undefined; region?: string | undefined };
  /** The Janus Admin API URL, for the proxies' Janus Admin API (handle_info, pcap, log levels). */
  adminUrl?: string | undefined;
  capacity: { max_sessions?: number | undefined; max_handles?: number | undefined; max_bandwidth_bps?: number | undefined };
}

/** Drops undefined fields, so the JSON carries only what is known (absent = keep the previous value). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function buildReport(inputs: ReportInputs): ServerReport {
  const load = inputs.status === 'down' ? {} : inputs.load;
  return defined<ServerReport>({
    name: inputs.identity.name,
    url: inputs.identity.publicUrl,
    status: inputs.status,
    sessions: load.sessions,
    handles: load.handles,
    cpu_percent: load.cpu_percent,
    memory_bytes: load.memory_bytes,
    bandwidth_in_bps: load.bandwidth_in_bps,
    bandwidth_out_bps: load.bandwidth_out_bps,
    load_score: load.load_score,
    ...inputs.capacity,
    ...inputs.labels,
    sentinel_url: inputs.sentinelUrl,
    admin_url: inputs.adminUrl,
    janus_version: inputs.janus?.version,
    plugins: inputs.janus?.plugins,
    reclaim_session_timeout_s: inputs.janus?.reclaimSessionTimeoutS,
    start_time: inputs.startTimeMs,
    expire: inputs.expireS,
  });
}
