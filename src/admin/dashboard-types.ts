/**
 * The wire format of the dashboard's live channel (`GET /events`) and of `GET /sessions/{id}`.
 * Interfaces only: the browser code in web/ imports these types too, so they must not pull in Node.
 */

/** A backend as the dashboard shows it: its record, the proxy's live view and its current load. */
export interface DashboardBackend {
  name: string;
  url: string;
  /** What the record says (sentinel, REST or static config). */
  status: string;
  /** What selection sees: `draining` when an operator drained it. */
  effective_status: string;
  drained?: boolean | undefined;
  expired: boolean;
  connected: boolean;
  breaker: string;
  /** Best known load: the last report plus what this proxy placed since (else its own count). */
  current_sessions: number;
  current_handles: number;
  live_handles: number;
  cpu_percent?: number | undefined;
  bandwidth_in_bps?: number | undefined;
  bandwidth_out_bps?: number | undefined;
  max_sessions?: number | undefined;
  max_handles?: number | undefined;
  max_bandwidth_bps?: number | undefined;
  /** Selection's load score: 0 idle, 1 at capacity. */
  load: number;
  selectable: boolean;
  unselectable_reason?: string | undefined;
  location?: string | undefined;
  region?: string | undefined;
  janus_version?: string | undefined;
  /** The Janus's reclaim_session_timeout, and whether another proxy can take its sessions over. */
  reclaim_session_timeout_s?: number | undefined;
  take_over_possible?: boolean | undefined;
  source: string;
  updated_at: number;
}

/** One point of the rate charts, taken every second. */
export interface RateSample {
  at: number;
  sessions: number;
  handles: number;
  requests_per_s: number;
  errors_per_s: number;
  /** Best known handles per backend. */
  backend_handles: Record<string, number>;
}

export interface DashboardCandidate {
  name: string;
  eligible: boolean;
  reason?: string | undefined;
  score?: number | undefined;
}

export interface DashboardDecision {
  at: number;
  plugin: string;
  algorithm: string;
  chosen: string | undefined;
  candidates: DashboardCandidate[];
}

/** A room and the backends it spans (from a cluster-aware plugin, when one provides rooms). */
export interface DashboardRoom {
  plugin: string;
  room: string | number;
  description?: string | undefined;
  backends: string[];
  participants?: number | undefined;
  /** The proxy that makes the room's layout changes (rooms shared by several proxies). */
  owner?: string | undefined;
}

export interface DashboardSnapshot {
  at: number;
  proxy: { sessions: number; handles: number };
  backends: DashboardBackend[];
  /** Samples since the previous snapshot on this stream; the first snapshot carries the whole history. */
  samples: RateSample[];
  decisions: DashboardDecision[];
  /** null when no plugin provides rooms. */
  rooms: DashboardRoom[] | null;
}

export interface SessionHandleView {
  handle_id: number;
  plugin: string;
  opaque_id?: string | undefined;
  /** The backend the handle landed on; absent while it is being placed or for plugins without one. */
  backend?: string | undefined;
}

export interface SessionView {
  session_id: number;
  state: string;
  handles: SessionHandleView[];
}
