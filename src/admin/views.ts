/** What the admin API shows about a backend: its stored record plus the proxy's live view of it. */
import type { Backend } from '../cluster/backend.js';
import { isExpired, type ServerRecord } from '../cluster/server-record.js';
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
  return view;
}
