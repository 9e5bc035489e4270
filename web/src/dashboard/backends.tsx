/** The Janus servers: status, load and capacity as bars, and a drain/undrain button per server. */
import { useState } from 'preact/hooks';
import type { DashboardBackend } from '../../../src/admin/dashboard-types.js';
import { api, ApiError } from '../api';
import { Bar } from './bar';
import { bitrate, clock, health, statusLabel } from './health';

interface Props {
  backends: DashboardBackend[];
  token: string;
  onUnauthorized: () => void;
}

function BackendRow({ b, token, onUnauthorized }: { b: DashboardBackend; token: string; onUnauthorized: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const action = b.drained === true ? 'undrain' : 'drain';
  const toggle = (): void => {
    setBusy(true);
    setError(null);
    api(`/backend_servers/${encodeURIComponent(b.name)}/${action}`, token, 'POST')
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.unauthorized) onUnauthorized();
        else setError(err instanceof Error ? err.message : String(err));
      })
      .finally(() => { setBusy(false); });
  };
  const bandwidth = (b.bandwidth_in_bps ?? 0) + (b.bandwidth_out_bps ?? 0);
  return (
    <tr class={`backend health-${health(b)}`} data-backend={b.name} data-health={health(b)} data-status={b.effective_status}>
      <td>
        <div class="backend-name">{b.name}</div>
        <div class="muted">{b.url}</div>
        <div class="muted">{[b.janus_version, b.region, b.location, b.source].filter(Boolean).join(' · ')}</div>
      </td>
      <td>
        <span class={`pill pill-${health(b)}`} data-role="status">{statusLabel(b)}</span>
        {!b.selectable && b.unselectable_reason ? <div class="muted">not selectable: {b.unselectable_reason}</div> : null}
        <div class="muted">updated {clock(b.updated_at)}</div>
        {b.take_over_possible === undefined ? null : (
          <div class={b.take_over_possible ? 'muted' : 'error'} data-role="take-over">
            {b.take_over_possible
              ? `take-over: yes (Janus keeps sessions ${String(b.reclaim_session_timeout_s)} s)`
              : 'take-over: no (reclaim_session_timeout 0: sessions die with their proxy)'}
          </div>
        )}
      </td>
      <td class="bars">
        <Bar label="load" value={b.load} max={1} text={`${String(Math.round(b.load * 100))} %`} />
        <Bar label="sessions" value={b.current_sessions} max={b.max_sessions} />
        <Bar label="handles" value={b.current_handles} max={b.max_handles} />
        <Bar label="cpu" value={b.cpu_percent ?? 0} max={100} text={b.cpu_percent === undefined ? 'n/a' : `${b.cpu_percent.toFixed(0)} %`} />
        {b.max_bandwidth_bps !== undefined || bandwidth > 0
          ? <Bar label="bandwidth" value={bandwidth} max={b.max_bandwidth_bps} text={bitrate(bandwidth)} />
          : null}
      </td>
      <td>
        <button type="button" class={`action-${action}`} disabled={busy} onClick={toggle}>{action === 'drain' ? 'Drain' : 'Undrain'}</button>
        {error === null ? null : <div class="error">{error}</div>}
      </td>
    </tr>
  );
}

export function Backends({ backends, token, onUnauthorized }: Props) {
  if (backends.length === 0) return <p class="empty">No Janus servers are known to this proxy.</p>;
  return (
    <table class="backends">
      <thead>
        <tr><th>Janus</th><th>Status</th><th>Load and capacity</th><th /></tr>
      </thead>
      <tbody>
        {backends.map((b) => <BackendRow key={b.name} b={b} token={token} onUnauthorized={onUnauthorized} />)}
      </tbody>
    </table>
  );
}
