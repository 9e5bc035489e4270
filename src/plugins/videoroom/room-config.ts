/**
 * A proxy room's configuration and how it maps to backend rooms: what the first backend gets to
 * validate a client's `create`, the `create` that opens the room on any further backend, how an
 * `edit` changes both, and the room's entry in `list`.
 */
import type { JsonObject } from '../../protocol/messages.js';
import type { AllowedList, RoomId, RoomRecord } from '../../store/room-store.js';
import type { VideoRoomOptions } from './options.js';

/** Request keys the proxy keeps for itself rather than in the parameters of further backend rooms. */
const PROXY_KEYS = ['request', 'room', 'secret', 'admin_key', 'permanent', 'is_private', 'description', 'allowed', 'publishers_per_backend'];

/** Janus's key order of a `list` entry. */
const LIST_ORDER = [
  'room', 'description', 'pin_required', 'is_private', 'max_publishers', 'bitrate', 'bitrate_cap', 'fir_freq', 'require_pvtid',
  'require_e2ee', 'dummy_publisher', 'notify_joining', 'audiocodec', 'videocodec', 'opus_fec', 'opus_dtx', 'video_svc', 'record',
  'rec_dir', 'lock_record', 'num_participants', 'audiolevel_ext', 'audiolevel_event', 'audio_active_packets', 'audio_level_average',
  'videoorient_ext', 'playoutdelay_ext', 'transport_wide_cc_ext',
];

/**
 * The client's `create` for the first backend, which validates it exactly as Janus does. Values the
 * backend room must not take from the client are replaced only when they are of the right type, so
 * a wrong type still gets Janus's own error.
 */
export function firstCreateBody(body: JsonObject, options: VideoRoomOptions): JsonObject {
  const out: JsonObject = { ...body, request: 'create' };
  delete out.publishers_per_backend;
  if (body.secret === undefined || typeof body.secret === 'string') out.secret = options.backendRoomSecret;
  if (body.description === undefined || typeof body.description === 'string') out.description = backendDescription(options, body.description);
  if (typeof body.is_private === 'boolean') out.is_private = false;
  if (typeof body.permanent === 'boolean') out.permanent = false;
  return out;
}

function backendDescription(options: VideoRoomOptions, description: unknown): string {
  return `${options.roomMarker}${typeof description === 'string' ? description : ''}`;
}

function allowedList(allowed: unknown): AllowedList {
  if (!Array.isArray(allowed)) return { enabled: false, tokens: [] };
  return { enabled: true, tokens: [...new Set(allowed.filter((t): t is string => typeof t === 'string'))] };
}

/** The stored room for a `create` the first backend accepted (`listEntry` is Janus's own entry for it). */
export function newRoomRecord(id: RoomId, body: JsonObject, listEntry: JsonObject, backend: string, options: VideoRoomOptions, nowMs: number): RoomRecord {
  const params: JsonObject = {};
  for (const [key, value] of Object.entries(body)) if (!PROXY_KEYS.includes(key)) params[key] = value;
  const entry: JsonObject = { ...listEntry };
  for (const key of ['room', 'description', 'is_private', 'num_participants']) Reflect.deleteProperty(entry, key);
  const description = typeof body.description === 'string' && body.description.length > 0 ? body.description : `Room ${String(id)}`;
  const perBackend = body.publishers_per_backend;
  return {
    id,
    params,
    secret: typeof body.secret === 'string' ? body.secret : undefined,
    description,
    isPrivate: body.is_private === true,
    permanent: body.permanent === true,
    allowed: allowedList(body.allowed),
    listEntry: entry,
    publishersPerBackend: typeof perBackend === 'number' ? perBackend : options.publishersPerBackend,
    backends: [backend],
    participants: {},
    createdAt: nowMs,
  };
}

/** `create` for a further backend room of an existing room (the ACL follows with `allowed`). */
export function backendCreateBody(room: RoomRecord, options: VideoRoomOptions): JsonObject {
  const body: JsonObject = {
    request: 'create',
    room: room.id,
    ...room.params,
    description: backendDescription(options, room.description),
    secret: options.backendRoomSecret,
    is_private: false,
    permanent: false,
  };
  if (options.adminKey !== undefined) body.admin_key = options.adminKey;
  return body;
}

/** The `allowed` requests that give a new backend room the room's ACL. */
export function backendAllowedRequests(room: RoomRecord, options: VideoRoomOptions): JsonObject[] {
  const base = { request: 'allowed', room: room.id, secret: options.backendRoomSecret };
  const requests: JsonObject[] = [];
  if (room.allowed.tokens.length > 0) requests.push({ ...base, action: 'add', allowed: room.allowed.tokens });
  if (room.allowed.enabled) requests.push({ ...base, action: 'enable' });
  return requests;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Applies a validated `edit` to the stored room, as Janus applies it to its own. */
export function applyEdit(room: RoomRecord, body: JsonObject): void {
  const { params, listEntry } = room;
  if (nonEmpty(body.new_description)) room.description = body.new_description;
  if (typeof body.new_is_private === 'boolean') room.isPrivate = body.new_is_private;
  if (typeof body.new_require_pvtid === 'boolean') params.require_pvtid = listEntry.require_pvtid = body.new_require_pvtid;
  if (typeof body.new_publishers === 'number') params.publishers = listEntry.max_publishers = body.new_publishers;
  if (typeof body.new_bitrate === 'number') {
    params.bitrate = body.new_bitrate;
    listEntry.bitrate = body.new_bitrate > 0 && body.new_bitrate < 64_000 ? 64_000 : body.new_bitrate;
  }
  if (typeof body.new_fir_freq === 'number') params.fir_freq = listEntry.fir_freq = body.new_fir_freq;
  if (nonEmpty(body.new_secret)) room.secret = body.new_secret;
  if (nonEmpty(body.new_pin)) {
    params.pin = body.new_pin;
    listEntry.pin_required = true;
  }
  if (typeof body.new_lock_record === 'boolean') params.lock_record = listEntry.lock_record = body.new_lock_record;
  if (typeof body.new_rec_dir === 'string') params.rec_dir = listEntry.rec_dir = body.new_rec_dir;
  if (body.permanent === true) room.permanent = true;
}

/** The same `edit` for the backend rooms: the proxy keeps secret, privacy and persistence to itself. */
export function backendEditBody(room: RoomRecord, body: JsonObject, options: VideoRoomOptions): JsonObject {
  const out: JsonObject = { request: 'edit', room: room.id, secret: options.backendRoomSecret };
  for (const key of ['new_pin', 'new_require_pvtid', 'new_bitrate', 'new_fir_freq', 'new_publishers', 'new_lock_record', 'new_rec_dir']) {
    if (body[key] !== undefined) out[key] = body[key];
  }
  if (nonEmpty(body.new_description)) out.new_description = backendDescription(options, body.new_description);
  return out;
}

/** The room's entry in `list`, in Janus's key order. */
export function listEntry(room: RoomRecord, numParticipants: number): JsonObject {
  const values: JsonObject = {
    ...room.listEntry,
    room: room.id,
    description: room.description,
    is_private: room.isPrivate,
    num_participants: numParticipants,
  };
  const entry: JsonObject = {};
  for (const key of LIST_ORDER) if (values[key] !== undefined) entry[key] = values[key];
  for (const [key, value] of Object.entries(values)) if (!(key in entry)) entry[key] = value;
  return entry;
}
