/**
 * Backend ids → client ids for backend events: which client session and handle a backend handle
 * (or backend session) serves. Found by a scan of the local sessions on a miss, then remembered, so a
 * handle's `detached` still maps after the client handle is gone. Bounded: oldest entries go first.
 * With proxies sharing a store, a Janus may post its events to one proxy, also for the sessions other
 * proxies hold: a local miss asks them (asynchronously; the stream holds the event meanwhile).
 */
import type { PluginHandle } from '../plugins/plugin.js';

const MAX_ENTRIES = 100_000;
/** After the other proxies knew nothing of an id, they are not asked about it again this soon. */
const ASK_AGAIN_MS = 500;

export interface ClientIds {
  session: number;
  handle?: number;
}

/**
 * What the id map reads of the local sessions: each session's handles and the plugin handle behind
 * each. core's Sessions is one; declared here so that events/ (which core/ emits into) needs nothing from core/.
 */
export interface LocalSessions {
  ids(): number[];
  get(id: number): LocalSession | undefined;
}

export interface LocalSession {
  readonly id: number;
  readonly handles: ReadonlyMap<number, { readonly id: number; readonly pluginHandle: PluginHandle | undefined }>;
}

/** Asks the other proxies whose client a backend session (and handle) is. */
export type RemoteIds = (backend: string, session: number, handle: number | undefined) => Promise<ClientIds | undefined>;

/** Whose client a backend session (and handle) is among `sessions`, by a direct scan. */
export function findClientIds(sessions: LocalSessions, backend: string, session: number, handle: number | undefined): ClientIds | undefined {
  for (const id of sessions.ids()) {
    const client = sessions.get(id);
    if (!client) continue;
    for (const h of client.handles.values()) {
      const target = h.pluginHandle?.backendHandle?.();
      if (!target || h.pluginHandle?.backendName?.() !== backend) continue;
      if (handle !== undefined && target.id === handle) return { session: client.id, handle: h.id };
      if (handle === undefined && target.session.id === session) return { session: client.id };
    }
  }
  return undefined;
}

export class IdMap {
  private readonly known = new Map<string, ClientIds>();
  /** Keys asked of the other proxies: undefined while asking, else when they last knew nothing. */
  private readonly asked = new Map<string, number | undefined>();

  constructor(private readonly sessions: LocalSessions, private readonly remote?: RemoteIds) {}

  /** The client ids for a backend session (and handle); undefined when no client's they are (yet). */
  lookup(backend: string, session: number, handle: number | undefined): ClientIds | undefined {
    const key = handle === undefined ? `${backend}/s/${String(session)}` : `${backend}/h/${String(handle)}`;
    const hit = this.known.get(key);
    if (hit) return hit;
    this.scan();
    const found = this.known.get(key);
    if (!found) this.askOthers(key, backend, session, handle);
    return found;
  }

  private askOthers(key: string, backend: string, session: number, handle: number | undefined): void {
    if (!this.remote) return;
    if (this.asked.has(key)) {
      const at = this.asked.get(key);
      if (at === undefined || Date.now() - at < ASK_AGAIN_MS) return;
    }
    if (this.asked.size >= MAX_ENTRIES) this.asked.clear();
    this.asked.set(key, undefined);
    this.remote(backend, session, handle).then((ids) => {
      if (ids) {
        this.asked.delete(key);
        this.remember(key, ids);
      } else {
        this.asked.set(key, Date.now());
      }
    }, () => { this.asked.set(key, Date.now()); });
  }

  /** Drops a handle's entry once its last event (detached) has been mapped. */
  forget(backend: string, handle: number): void {
    this.known.delete(`${backend}/h/${String(handle)}`);
    this.asked.delete(`${backend}/h/${String(handle)}`);
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
