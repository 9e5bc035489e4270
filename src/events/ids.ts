/**
 * Backend ids → client ids for backend events: which client session and handle a backend handle
 * (or backend session) serves. Found by a scan of the local sessions on a miss, then remembered, so a
 * handle's `detached` still maps after the client handle is gone. Bounded: oldest entries go first.
 */
import type { AdminSessions } from '../janus-admin/handle-requests.js';

const MAX_ENTRIES = 100_000;

export interface ClientIds {
  session: number;
  handle?: number;
}

export class IdMap {
  private readonly known = new Map<string, ClientIds>();

  constructor(private readonly sessions: AdminSessions) {}

  /** The client ids for a backend session (and handle); undefined when no client's they are (yet). */
  lookup(backend: string, session: number, handle: number | undefined): ClientIds | undefined {
    const key = handle === undefined ? `${backend}/s/${String(session)}` : `${backend}/h/${String(handle)}`;
    const hit = this.known.get(key);
    if (hit) return hit;
    this.scan();
    return this.known.get(key);
  }

  /** Drops a handle's entry once its last event (detached) has been mapped. */
  forget(backend: string, handle: number): void {
    this.known.delete(`${backend}/h/${String(handle)}`);
  }

  private scan(): void {
    for (const id of this.sessions.ids()) {
      const session = this.sessions.get(id);
      if (!session) continue;
      for (const handle of session.handles.values()) {
        const plugin = handle.pluginHandle;
        const target = plugin?.backendHandle?.();
        const backend = plugin?.backendName?.();
        if (!target || backend === undefined) continue;
        this.remember(`${backend}/h/${String(target.id)}`, { session: session.id, handle: handle.id });
        this.remember(`${backend}/s/${String(target.session.id)}`, { session: session.id });
      }
    }
  }

  private remember(key: string, ids: ClientIds): void {
    if (this.known.has(key)) return;
    if (this.known.size >= MAX_ENTRIES) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(key, ids);
  }
}
