/** What the admin API shows about a backend: its stored record plus the proxy's live view of it. */
import type { Backend } from '../cluster/backend.js';
import { isExpired, type ServerRecord } from '../protocol/server-record.js';
import { loadScore, rejectionReason } from '../cluster/selection.js';

export interface BackendView extends ServerRecord {
  effective_status: string;
  expired: boolean;
  connected: boolean;
  breaker: string;
  live_handles: number;
  load: number;
  selectable: boolean;
  unselectable_reason?: string;
  /** The backend's own `reclaim_session_timeout` (from its `info`), when connected. */
  reclaim_session_timeout_s?: number;
  /**
   * Whether another proxy can take this backend's sessions over when their proxy dies: Janus must
   * keep a session whose proxy connection dropped (reclaim_session_timeout > 0).
   */
  take_over_possible?: boolean;
}

export function backendView(record: ServerRecord, backend: Backend | undefined, nowMs: number): BackendView {
  const snapshot = backend?.snapshot();
  const reason = snapshot ? rejectionReason(snapshot) : 'not tracked by this proxy';
  const view: BackendView = {
    ...record,
    effective_status: backend?.status ?? record.status,
    expired: isExpired(record, nowMs),
    connected: backend?.connected ?? false,
    breaker: snapshot?.breaker ?? 'closed',
    live_handles: backend?.liveHandles ?? 0,
    load: snapshot ? loadScore(snapshot) : 0,
    selectable: reason === undefined,
  };
  if (reason !== undefined) view.unselectable_reason = reason;
  const reclaimS = backend?.pool.info?.reclaimSessionTimeoutS ?? record.reclaim_session_timeout_s;
  if (reclaimS !== undefined) {
    view.reclaim_session_timeout_s = reclaimS;
    view.take_over_possible = reclaimS > 0;
  }
  return view;
}
