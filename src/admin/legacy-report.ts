/**
 * Reports in the original janus-cloud sentinel's format (form-encoded, numeric status,
 * `session_num`/`handle_num`, `start_time` in seconds), turned into our report, so old sentinels
 * keep working during a migration.
 */
import { z } from 'zod';
import type { ServerReport, ServerStatus } from '../protocol/server-record.js';

const LEGACY_STATUS: Record<number, ServerStatus> = { 0: 'up', 1: 'down', 2: 'maintenance', 3: 'overloaded' };

const legacyReportSchema = z.object({
  name: z.string(),
  url: z.string(),
  status: z.coerce.number().int().min(0).max(3),
  session_num: z.coerce.number().int().min(0).optional(),
  handle_num: z.coerce.number().int().min(0).optional(),
  location: z.string().optional(),
  isp: z.string().optional(),
  expire: z.coerce.number().int().min(0).optional(),
  start_time: z.coerce.number().min(0).optional(),
});

/** A body is in the legacy format when its status is a number (or a numeric form field). */
export function isLegacyReport(body: unknown): boolean {
  const status = (body as { status?: unknown } | null)?.status;
  return typeof status === 'number' || (typeof status === 'string' && /^\d+$/.test(status));
}

export function fromLegacyReport(body: unknown): unknown {
  const parsed = legacyReportSchema.safeParse(body);
  if (!parsed.success) return body; // the strict schema then names what is wrong
  const legacy = parsed.data;
  const report: Partial<ServerReport> & Record<string, unknown> = {
    name: legacy.name,
    url: legacy.url,
    status: LEGACY_STATUS[legacy.status] ?? 'down',
  };
  if (legacy.session_num !== undefined) report.sessions = legacy.session_num;
  if (legacy.handle_num !== undefined) report.handles = legacy.handle_num;
  if (legacy.location) report.location = legacy.location;
  if (legacy.isp) report.isp = legacy.isp;
  if (legacy.expire !== undefined) report.expire = legacy.expire;
  if (legacy.start_time) report.start_time = Math.round(legacy.start_time * 1000);
  return report;
}
