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
}

export type RoomPatch = Partial<Pick<RoomRecord, 'params' | 'secret' | 'description' | 'isPrivate' | 'permanent' | 'allowed' | 'listEntry'>>;

export interface RoomStore {
  /** Stores a new room; false when one with that id exists already. */
  create(room: RoomRecord): Promise<boolean>;
  get(id: RoomId): Promise<RoomRecord | undefined>;
  list(): Promise<RoomRecord[]>;
  /** False when there was no such room. */
  delete(id: RoomId): Promise<boolean>;
  update(id: RoomId, patch: RoomPatch): Promise<void>;
  addBackend(id: RoomId, backend: string): Promise<void>;
  removeBackend(id: RoomId, backend: string): Promise<void>;
  putParticipant(id: RoomId, participant: ParticipantRecord): Promise<void>;
  removeParticipant(id: RoomId, participant: ParticipantId): Promise<void>;
  putMirror(id: RoomId, participant: ParticipantId, mirror: MirrorRecord): Promise<void>;
  removeMirror(id: RoomId, participant: ParticipantId, backend: string): Promise<void>;
  close(): Promise<void>;
}

/** Rooms and participants are keyed by their id as text: numeric and string ids never mix in one cluster. */
export function idKey(id: RoomId | ParticipantId): string {
  return String(id);
}
