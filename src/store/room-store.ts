/**
 * Where VideoRoom rooms spread over several Janus servers live: the room's configuration, the
 * backends holding a backend room for it, its participants (each with its origin backend) and the
 * remote-publisher mirrors of every publisher on the room's other backends. Everything another
 * proxy would need to act on the room is here; handles and in-flight work are not.
 */
import type { JsonObject } from '../protocol/messages.js';

export type RoomId = number | string;
export type ParticipantId = number | string;

/** One remote publisher standing in for a publisher on another backend of the room. */
export interface MirrorRecord {
  /** The backend holding the remote publisher. */
  backend: string;
  /** Where the origin sends the RTP: the target's media address and the ports it opened. */
  host: string;
  port: number;
  rtcpPort: number | undefined;
  /** The remotization's name at the origin (`publish_remotely`'s `remote_id`). */
  remoteId: string;
}

export interface ParticipantRecord {
  id: ParticipantId;
  display: string | undefined;
  /** Janus 1.2+'s participant `metadata` as the client gave it (join/configure), passed on untouched. */
  metadata?: unknown;
  /** The backend the participant joined (its origin). */
  backend: string;
  privateId: number | undefined;
  /**
   * On a placeholder (placed, Janus's `joined` not yet seen: no private id): the proxy that placed it.
   * A placeholder whose proxy died is removed by the next layout change, or by any proxy that has
   * the room loaded within seconds.
   */
  placedBy?: string;
  /** The published streams as Janus announced them, in mindex order; empty when not publishing. */
  streams: JsonObject[];
  /** RTP header extension ids the publisher negotiated, per mindex (for the remote publishers). */
  extensions: Record<string, Record<string, number>>;
  /** Mirrors on other backends, by backend name. */
  mirrors: Record<string, MirrorRecord>;
}

export interface AllowedList {
  enabled: boolean;
  tokens: string[];
}

export interface RoomRecord {
  id: RoomId;
  /**
   * The room's Janus parameters in `create` form (the client's request as Janus accepted it, with
   * later edits applied), used to create the room on further backends. Without the room's secret.
   */
  params: JsonObject;
  /** The client's room secret, enforced by the proxy (backend rooms have the cluster's secret). */
  secret: string | undefined;
  description: string;
  isPrivate: boolean;
  permanent: boolean;
  allowed: AllowedList;
  /** Janus's own `list` entry for the room, minus what changes (description, is_private, num_participants). */
  listEntry: JsonObject;
  publishersPerBackend: number;
  /** Backends that hold a backend room for this room. */
  backends: string[];
  /** Participants by `String(id)`. */
  participants: Record<string, ParticipantRecord>;
  createdAt: number;
  /** A room the proxy found on the backends (their config files, or made on a Janus directly), not one it created. */
  adopted?: boolean;
  /**
   * The proxy that makes the room's layout changes (shared store); the others ask it over the bus.
   * Its lease is that proxy's lease; absent until the first layout change takes it.
   */
  owner?: string;
  /** Bumped by every write to the room: a cached copy with a lower version is stale. Absent before the first write. */
  version?: number;
}

/** A room record changed (announced to every store instance sharing the rooms, the writer's own included). */
export interface RoomChange {
  /** The room's id as text. */
  room: string;
  /** Its version after the change; 0 when it was deleted. */
  version: number;
}

/**
 * An event the proxy makes up for a room's participants (Janus on their backend cannot send it):
 * each proxy delivers it to its own members on other backends than `origin`, except `about`.
 */
export interface RoomEvent {
  room: string;
  origin: string;
  about?: string;
  /** Backends whose Janus tells its participants itself (e.g. a mirror's own `leaving`). */
  skip?: string[];
  data: JsonObject;
}

/** What a fenced write resolves to when the room's owner is no longer the proxy that made it. */
export const FENCED_OUT = -1;

export type RoomPatch = Partial<Pick<RoomRecord, 'params' | 'secret' | 'description' | 'isPrivate' | 'permanent' | 'allowed' | 'listEntry'>>;

export interface RoomStore {
  /** Stores a new room; false when one with that id exists already. */
  create(room: RoomRecord): Promise<boolean>;
  get(id: RoomId): Promise<RoomRecord | undefined>;
  list(): Promise<RoomRecord[]>;
  /** False when there was no such room. */
  delete(id: RoomId): Promise<boolean>;
  // Every write below resolves to the room's new version (0: no such room) and announces it. The
  // owner's writes name it as `fence`: made only while the room's owner is still that proxy, else
  // nothing is written and they resolve to FENCED_OUT (a deposed owner cannot change the room).
  update(id: RoomId, patch: RoomPatch, fence?: string): Promise<number>;
  addBackend(id: RoomId, backend: string, fence?: string): Promise<number>;
  removeBackend(id: RoomId, backend: string, fence?: string): Promise<number>;
  /** Writes the participant; its mirrors stay as stored (putMirror/removeMirror change them). */
  putParticipant(id: RoomId, participant: ParticipantRecord): Promise<number>;
  removeParticipant(id: RoomId, participant: ParticipantId): Promise<number>;
  putMirror(id: RoomId, participant: ParticipantId, mirror: MirrorRecord, fence?: string): Promise<number>;
  removeMirror(id: RoomId, participant: ParticipantId, backend: string, fence?: string): Promise<number>;
  /**
   * Counts a member handle (publisher or subscriber) of proxy `proxy` on `backend` in (+1) or out
   * (-1): what keeps another proxy from closing a backend room this proxy's clients are in.
   */
  countMember(id: RoomId, proxy: string, backend: string, delta: 1 | -1): Promise<void>;
  /** Member handles on `backend` of live proxies other than `proxy` (a dead proxy's counts are dropped). */
  membersElsewhere(id: RoomId, proxy: string, backend: string): Promise<number>;
  /** Whether the proxy still holds its lease (memory: one process, always). */
  proxyAlive(proxy: string): Promise<boolean>;
  /** The change feed: every room write and delete, by any store instance sharing these rooms. */
  watch(listener: (change: RoomChange) => void): () => void;
  /**
   * Changes announced while this instance could not hear them (its subscription was gone) are lost:
   * the listener is called once the change feed is heard again after such a gap, so that rooms kept
   * in memory are read again. Memory: never (nothing to miss).
   */
  onResubscribed(listener: () => void): () => void;
  /**
   * Makes `owner` the room's owner if its owner is still `expected` (compare-and-set: of two proxies
   * taking a room over, one wins). The room's new version; 0 when the owner had changed or the room is gone.
   */
  takeOwnership(id: RoomId, expected: string | undefined, owner: string): Promise<number>;
  /** Whether several store instances (proxies) can share these rooms: layout changes then go to the room's owner. */
  readonly shared: boolean;
  /** Resolves once changes and events of other store instances reach this one's listeners. */
  listening(): Promise<void>;
  /** Sends a room event to the other store instances' `onEvent` listeners (never to this one's own). */
  shareEvent(event: RoomEvent): void;
  onEvent(listener: (event: RoomEvent) => void): () => void;
  close(): Promise<void>;
}

/** Rooms and participants are keyed by their id as text: numeric and string ids never mix in one cluster. */
export function idKey(id: RoomId | ParticipantId): string {
  return String(id);
}

/** Listeners of one kind; a throwing listener does not stop the others. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => { this.set.delete(listener); };
  }

  emit(value: T): void {
    for (const listener of this.set) {
      try {
        listener(value);
      } catch {
        // A listener's own failure is its business.
      }
    }
  }

  clear(): void {
    this.set.clear();
  }
}
