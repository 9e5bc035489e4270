/**
 * Durable records of client sessions and their handles (architecture decisions 11–13): what another
 * proxy needs to take a session over when its proxy dies or a client claims it elsewhere. Written on
 * lifecycle changes only (create, attach, a plugin's own state change, detach, destroy, take-over),
 * never per relayed message. One owner proxy per record; ownership moves by compare-and-set.
 *
 * Memory: the proxies of one process (one proxy, or several sharing a MemorySessionHub in tests).
 * Redis: every proxy of the cluster; a record's owner counts as alive while its proxy lease exists.
 */
import type { JsonObject } from '../protocol/messages.js';

export type TransportKind = 'ws' | 'http';

/** One plugin handle: where it lives on its backend, and what its plugin needs to rebuild it. */
export interface HandleRecord {
  readonly id: number;
  readonly plugin: string;
  readonly opaque_id?: string | undefined;
  /** Backend name, backend session id and backend handle id (absent for handles with no backend, e.g. p2pcall). */
  readonly backend?: string | undefined;
  readonly backend_session?: number | undefined;
  readonly backend_handle?: number | undefined;
  /** The plugin's own small record (VideoCall username, VideoRoom room/role/feed...). */
  readonly plugin_state?: JsonObject | undefined;
}

export interface SessionMeta {
  readonly id: number;
  /** The proxy that holds the session now. */
  readonly owner: string;
  /** Bumped by every take-over. */
  readonly version: number;
  readonly transport: TransportKind;
  /** A hash of the secret or token that created the session; a claim must present the same. */
  readonly auth: string;
  readonly created_at: number;
  /** Seconds the session stays claimable after its owner died (the owner's reclaim window). */
  readonly reclaim_s: number;
}

export interface SessionRecord extends SessionMeta {
  readonly handles: readonly HandleRecord[];
}

export interface SessionStore {
  readonly proxyId: string;
  /** Writes a new record owned by this proxy; false when the id is already taken anywhere in the cluster. */
  create(meta: Omit<SessionMeta, 'owner' | 'version'>): Promise<boolean>;
  get(id: number): Promise<SessionRecord | undefined>;
  /**
   * Adds or replaces a handle's record, only while this proxy owns the session. Not awaited by the
   * caller: writes of one proxy are applied in the order they were made; failures are logged.
   */
  putHandle(sessionId: number, handle: HandleRecord): void;
  removeHandle(sessionId: number, handleId: number): void;
  /** Deletes the session's record if this proxy still owns it (destroy, timeout, unclaimed). */
  remove(sessionId: number): void;
  /**
   * Compare-and-set: the owner becomes this proxy, and the version goes up, only if the owner is
   * still `expectedOwner`. Of two proxies racing, one gets the record and the other undefined.
   */
  takeOver(sessionId: number, expectedOwner: string): Promise<SessionRecord | undefined>;
  /** Whether a proxy's lease is live. */
  isAlive(proxyId: string): Promise<boolean>;
  /** Other proxies that own (or owned) session records: candidates for the dead-owner sweep. */
  owners(): Promise<string[]>;
  /** Ids of the sessions a proxy owns. */
  sessionsOf(proxyId: string): Promise<number[]>;
  /** Drops a dead proxy from the owner list once it owns nothing. */
  forgetOwner(proxyId: string): Promise<void>;
  /** Resolves when every write made so far has been applied (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
