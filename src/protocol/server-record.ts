/**
 * A backend Janus server as the cluster knows it, and the report that creates or updates one
 * (from a sentinel, the admin REST API or the static configuration). Field names are snake_case:
 * this is the wire and storage format, shared by proxies, sentinels and the Redis store.
 */
import { z } from 'zod';

export const SERVER_STATUSES = ['up', 'down', 'maintenance', 'draining', 'overloaded'] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];
export const SERVER_SOURCES = ['static', 'sentinel', 'rest'] as const;
export type ServerSource = (typeof SERVER_SOURCES)[number];

const count = z.number().int().min(0);
const label = z.string().max(64);

/** What a report may say about a server. Absent fields keep their previous value. */
export const serverReportSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - (1 to 64)'),
  url: z.string().regex(/^wss?:\/\/[^\s]+$/, 'a ws:// or wss:// URL'),
  status: z.enum(SERVER_STATUSES).default('up'),
  sessions: count.optional(),
  handles: count.optional(),
  cpu_percent: z.number().min(0).max(100_000).optional(),
  memory_bytes: count.optional(),
  bandwidth_in_bps: count.optional(),
  bandwidth_out_bps: count.optional(),
  /** The sentinel's own summary of load, 0 (idle) to 1 (full). */
  load_score: z.number().min(0).max(1).optional(),
  max_sessions: count.optional(),
  max_handles: count.optional(),
  max_bandwidth_bps: count.optional(),
  location: label.optional(),
  isp: label.optional(),
  region: label.optional(),
  /** Address other Janus servers send RTP to (VideoRoom remote publishers); default: the host of `url`. */
  media_address: z.string().regex(/^[\w.:-]{1,255}$/, 'an IP address or host name').optional(),
  /** The sentinel's REST API (http://host:port): where the proxy lists and downloads its recordings. */
  sentinel_url: z.string().regex(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL').optional(),
  /** The Janus Admin API WebSocket (`janus-admin-protocol`); its admin_secret stays in the proxy's config. */
  admin_url: z.string().regex(/^wss?:\/\/[^\s]+$/, 'a ws:// or wss:// URL').optional(),
  janus_version: z.string().max(64).optional(),
  plugins: z.array(z.string().max(128)).max(256).optional(),
  /** Janus's reclaim_session_timeout: > 0 lets another proxy take a dead proxy's sessions over. */
  reclaim_session_timeout_s: z.number().int().min(0).max(86_400).optional(),
  /** Epoch milliseconds when the Janus process started. */
  start_time: z.number().min(0).optional(),
  /** Seconds the record stays valid without a new report; 0 = never expires. */
  expire: z.number().int().min(0).max(86_400).optional(),
});
export type ServerReport = z.infer<typeof serverReportSchema>;

export interface ServerRecord extends Omit<ServerReport, 'expire'> {
  source: ServerSource;
  /** Set by an operator (admin API drain); kept across reports until undrained. */
  drained?: boolean;
  expire: number;
  /** Epoch milliseconds of the first and the latest report. */
  created_at: number;
  updated_at: number;
}

/** Expiry used when a report does not give one (static servers never expire). */
export const DEFAULT_EXPIRE_S = 60;

/** Merges a report into the previous record: what the report leaves out keeps its previous value. */
export function mergeReport(previous: ServerRecord | undefined, report: ServerReport, source: ServerSource, nowMs: number): ServerRecord {
  const defined: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(report) as [string, unknown][]) if (value !== undefined) defined[key] = value;
  return {
    ...previous,
    ...(defined as ServerReport),
    source: previous?.source === 'static' ? 'static' : source,
    expire: report.expire ?? previous?.expire ?? (source === 'static' ? 0 : DEFAULT_EXPIRE_S),
    created_at: previous?.created_at ?? nowMs,
    updated_at: nowMs,
  };
}

export function isExpired(record: ServerRecord, nowMs: number): boolean {
  return record.expire > 0 && nowMs - record.updated_at > record.expire * 1000;
}
