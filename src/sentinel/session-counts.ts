/**
 * Sessions and handles on the local Janus, from the Admin API. Janus 1.1 has no request that
 * counts handles across sessions, so this needs `list_handles` per session: bounded to a window of
 * sessions per sample (the window rotates, and the total is extrapolated from it when Janus holds
 * more sessions than that). The sentinel's own sessions (the sweeper's) are left out.
 */
import { JanusError, JanusErrorCode } from '../protocol/errors.js';
import type { AdminClient } from './admin-client.js';

/** The two Admin API requests counting needs (an AdminClient, or a fake in unit tests). */
export type SessionLister = Pick<AdminClient, 'listSessions' | 'listHandles'>;

/** list_handles requests in flight at once: enough to be quick, few enough not to flood Janus. */
const LIST_HANDLES_CONCURRENCY = 32;

export interface SessionCounts {
  sessions: number;
  handles: number;
  /** True when handles were extrapolated from part of the sessions. */
  estimated: boolean;
}

/** Handles of one session; a session that ended since `list_sessions` has none. Other failures throw. */
async function handleCount(admin: SessionLister, sessionId: number): Promise<number> {
  try {
    return (await admin.listHandles(sessionId)).length;
  } catch (err) {
    if (err instanceof JanusError && err.code === JanusErrorCode.SESSION_NOT_FOUND) return 0;
    throw err;
  }
}

async function handlesOf(admin: SessionLister, sessionIds: readonly number[]): Promise<number[]> {
  const counts: number[] = [];
  for (let i = 0; i < sessionIds.length; i += LIST_HANDLES_CONCURRENCY) {
    const batch = sessionIds.slice(i, i + LIST_HANDLES_CONCURRENCY);
    counts.push(...(await Promise.all(batch.map((id) => handleCount(admin, id)))));
  }
  return counts;
}

export class SessionCounter {
  private cursor = 0;

  constructor(
    private readonly admin: SessionLister,
    private readonly maxSessionsPerSample: number,
    private readonly ownSessions: ReadonlySet<number>,
  ) {}

  async count(): Promise<SessionCounts> {
    const all = (await this.admin.listSessions()).filter((id) => !this.ownSessions.has(id));
    const window = this.nextWindow(all);
    const perSession = await handlesOf(this.admin, window);
    const sampled = perSession.reduce((a, b) => a + b, 0);
    const estimated = window.length < all.length;
    const handles = estimated && window.length > 0 ? Math.round((sampled * all.length) / window.length) : sampled;
    return { sessions: all.length, handles, estimated };
  }

  /** True as soon as any session (not ours) is found holding a handle; checks every session. */
  async anyHandles(): Promise<boolean> {
    const all = (await this.admin.listSessions()).filter((id) => !this.ownSessions.has(id));
    for (let i = 0; i < all.length; i += LIST_HANDLES_CONCURRENCY) {
      const counts = await handlesOf(this.admin, all.slice(i, i + LIST_HANDLES_CONCURRENCY));
      if (counts.some((n) => n > 0)) return true;
    }
    return false;
  }

  private nextWindow(all: readonly number[]): number[] {
    if (all.length <= this.maxSessionsPerSample) return [...all];
    const start = this.cursor % all.length;
    this.cursor = start + this.maxSessionsPerSample;
    const window = all.slice(start, start + this.maxSessionsPerSample);
    return window.length < this.maxSessionsPerSample ? window.concat(all.slice(0, this.maxSessionsPerSample - window.length)) : window;
  }
}
