/** The cluster's proxies (GET /proxies): each one, or each worker of `--workers N`, with its load and state. */
import type { ProxyDescription } from '../../../src/store/proxy-directory.js';
import { usePolled } from './use-polled';

/** Proxies describe themselves when they refresh their lease: polling faster would show nothing new. */
const POLL_MS = 5_000;

function since(startedAt: number, now: number): string {
  const s = Math.max(0, Math.round((now - startedAt) / 1000));
  if (s < 120) return `${String(s)} s`;
  if (s < 7200) return `${String(Math.round(s / 60))} min`;
  return `${String(Math.round(s / 3600))} h`;
}

export function Proxies({ token, onUnauthorized, now }: { token: string; onUnauthorized: () => void; now: number }) {
  const { value, error } = usePolled<{ proxies: ProxyDescription[] }>('/proxies', token, onUnauthorized, POLL_MS);
  if (error !== null && value === null) return <p class="empty" data-role="proxies-error">Proxies unavailable: {error}</p>;
  if (value === null) return <p class="empty">Loading proxies…</p>;
  return (
    <table class="proxies">
      <thead><tr><th>Proxy</th><th>Worker</th><th>Host / pid</th><th>Up for</th><th>Sessions</th><th>Handles</th><th>New sessions</th></tr></thead>
      <tbody>
        {value.proxies.map((p, i) => (
          <tr key={p.id} data-proxy={p.id} data-accepting={String(p.accepting_new_sessions)}>
            <td>{p.server_name}<span class="muted"> {p.id}{i === 0 ? ' (this one)' : ''}</span></td>
            <td>{p.worker ?? '—'}</td>
            <td>{p.host}<span class="muted"> {p.pid}</span></td>
            <td>{since(p.started_at, now)}</td>
            <td>{p.sessions}</td>
            <td>{p.handles}</td>
            <td>{p.accepting_new_sessions ? 'accepted' : 'refused (draining)'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
