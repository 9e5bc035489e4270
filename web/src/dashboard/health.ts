/** How a backend row looks: pure functions over the wire format, so the colours have one definition. */
import type { DashboardBackend } from '../../../src/admin/dashboard-types.js';

/** ok: takes new handles (green); warn: up but not selectable, e.g. draining (amber); down: red. */
export type Health = 'ok' | 'warn' | 'down';

export function health(b: DashboardBackend): Health {
  if (b.effective_status === 'down' || !b.connected || b.expired) return 'down';
  if (!b.selectable || b.breaker !== 'closed') return 'warn';
  return 'ok';
}

/** The status word, with what else is wrong with the backend. */
export function statusLabel(b: DashboardBackend): string {
  const notes: string[] = [];
  if (!b.connected) notes.push('not connected');
  if (b.expired) notes.push('report expired');
  if (b.breaker !== 'closed') notes.push(`breaker ${b.breaker.replace('_', '-')}`);
  return notes.length === 0 ? b.effective_status : `${b.effective_status} · ${notes.join(' · ')}`;
}

export function shortPlugin(plugin: string): string {
  return plugin.replace(/^janus\.plugin\./, '');
}

export function clock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour12: false });
}

export function bitrate(bps: number): string {
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(1)} Gb/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)} Mb/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(0)} kb/s`;
  return `${String(bps)} b/s`;
}
