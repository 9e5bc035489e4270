/**
 * Session records in memory. One proxy alone needs nothing more; several proxies in one process
 * (tests) share one MemorySessionHub, whose set of open stores plays the role of Redis proxy leases.
 */
import type { HandleRecord, SessionMeta, SessionRecord, SessionStore } from '../session-store.js';

interface StoredSession {
  meta: SessionMeta;
  handles: Map<number, HandleRecord>;
}

/** The records and live proxies of one process. */
export class MemorySessionHub {
  readonly sessions = new Map<number, StoredSession>();
  readonly live = new Set<string>();
}

export class MemorySessionStore implements SessionStore {
  constructor(
    readonly proxyId: string,
    private readonly hub: MemorySessionHub = new MemorySessionHub(),
  ) {
    hub.live.add(proxyId);
  }

  create(meta: Omit<SessionMeta, 'owner' | 'version'>): Promise<boolean> {
    if (this.hub.sessions.has(meta.id)) return Promise.resolve(false);
    this.hub.sessions.set(meta.id, { meta: { ...meta, owner: this.proxyId, version: 1 }, handles: new Map() });
    return Promise.resolve(true);
  }

  get(id: number): Promise<SessionRecord | undefined> {
    const stored = this.hub.sessions.get(id);
    return Promise.resolve(stored ? copy(stored) : undefined);
  }

  putHandle(sessionId: number, handle: HandleRecord): void {
    const stored = this.owned(sessionId);
    stored?.handles.set(handle.id, structuredClone(handle));
  }

  removeHandle(sessionId: number, handleId: number): void {
    this.owned(sessionId)?.handles.delete(handleId);
  }

  remove(sessionId: number): void {
    if (this.owned(sessionId)) this.hub.sessions.delete(sessionId);
  }

  takeOver(sessionId: number, expectedOwner: string): Promise<SessionRecord | undefined> {
    const stored = this.hub.sessions.get(sessionId);
    if (stored?.meta.owner !== expectedOwner) return Promise.resolve(undefined);
    stored.meta = { ...stored.meta, owner: this.proxyId, version: stored.meta.version + 1 };
    return Promise.resolve(copy(stored));
  }

  isAlive(proxyId: string): Promise<boolean> {
    return Promise.resolve(this.hub.live.has(proxyId));
  }

  owners(): Promise<string[]> {
    const owners = new Set<string>();
    for (const stored of this.hub.sessions.values()) owners.add(stored.meta.owner);
    owners.delete(this.proxyId);
    return Promise.resolve([...owners]);
  }

  sessionsOf(proxyId: string): Promise<number[]> {
    return Promise.resolve([...this.hub.sessions.values()].filter((s) => s.meta.owner === proxyId).map((s) => s.meta.id));
  }

  forgetOwner(): Promise<void> {
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Like a lease that is given up: this proxy's records now belong to a dead owner. */
  close(): Promise<void> {
    this.hub.live.delete(this.proxyId);
    return Promise.resolve();
  }

  private owned(sessionId: number): StoredSession | undefined {
    const stored = this.hub.sessions.get(sessionId);
    return stored?.meta.owner === this.proxyId ? stored : undefined;
  }
}

function copy(stored: StoredSession): SessionRecord {
  return { ...stored.meta, handles: [...stored.handles.values()].map((h) => structuredClone(h)) };
}
