/**
 * Rooms the proxy did not create: those of the backends' own config files (room 1234 of every stock
 * Janus) and rooms created on a Janus directly. They are found by asking the backends when a request
 * names a room the store does not know, and adopted as rooms of the cluster: served on the backends
 * that hold them. Their backend rooms carry Janus's own secret, not the cluster's, so the proxy
 * cannot mirror publishers between them: every participant of such a room joins one backend (the
 * publishers-per-backend threshold is lifted), the one the first joiner went to, which keeps the
 * room whole as on one Janus. Their secret and pin stay with Janus: the proxy checks neither and
 * passes the client's own to the backend.
 */
import type { JsonObject } from '../../protocol/messages.js';
import { idKey, type RoomId, type RoomRecord } from '../../store/room-store.js';
import { ProxyErrors } from '../../protocol/errors.js';
import { VideoRoomCode, VideoRoomError } from './errors.js';
import { VIDEOROOM_PLUGIN } from './options.js';
import type { LiveRoom } from './room.js';
import type { RoomRegistry } from './rooms.js';

/** Connected backends offering the VideoRoom plugin, in name order (the same on every proxy). */
function videoRoomBackends(reg: RoomRegistry): string[] {
  return [...reg.deps.cluster.backends.values()]
    .filter((b) => { const s = b.snapshot(); return s.connected && s.plugins.has(VIDEOROOM_PLUGIN); })
    .map((b) => b.name)
    .sort();
}

/** Every backend's own `list` (private rooms too when the proxy has the admin key); failures count as empty. */
export async function backendLists(reg: RoomRegistry): Promise<Map<string, JsonObject[]>> {
  const body: JsonObject = { request: 'list' };
  if (reg.options.adminKey !== undefined) body.admin_key = reg.options.adminKey;
  const names = videoRoomBackends(reg);
  const lists = await Promise.all(names.map((name) => reg.control.request(name, { ...body }).then(
    (d) => (Array.isArray(d.list) ? (d.list as JsonObject[]) : []),
    () => [],
  )));
  return new Map(names.map((name, i) => [name, lists[i] ?? []]));
}

/** A room of the proxy's own: its backend rooms carry the marker (and are adopted from the store, never from here). */
function ours(reg: RoomRegistry, entry: JsonObject): boolean {
  return typeof entry.description === 'string' && entry.description.startsWith(reg.options.roomMarker);
}

/** The stored record for a room found on `backends` (`entry`: Janus's list entry on one of them). */
export function adoptedRecord(reg: RoomRegistry, id: RoomId, entry: JsonObject, backends: string[]): RoomRecord {
  const listEntry: JsonObject = { ...entry };
  for (const key of ['room', 'description', 'is_private', 'num_participants']) Reflect.deleteProperty(listEntry, key);
  return {
    id,
    params: {},
    secret: undefined,
    description: typeof entry.description === 'string' ? entry.description : `Room ${String(id)}`,
    isPrivate: entry.is_private === true,
    permanent: false,
    allowed: { enabled: false, tokens: [] },
    listEntry,
    publishersPerBackend: Number.MAX_SAFE_INTEGER,
    backends,
    participants: {},
    createdAt: Date.now(),
    adopted: true,
  };
}

/** The room `id` as found on the backends, or undefined when none holds it (or only as a room of ours). */
export async function discoverRoom(reg: RoomRegistry, id: RoomId): Promise<RoomRecord | undefined> {
  const key = idKey(id);
  let found: JsonObject | undefined;
  const holders: string[] = [];
  for (const [backend, list] of await backendLists(reg)) {
    const entry = list.find((e) => idKey(e.room as RoomId) === key);
    if (!entry || ours(reg, entry)) continue;
    found ??= entry;
    holders.push(backend);
  }
  if (!found) return undefined;
  reg.deps.logger.info({ room: id, backends: holders }, 'adopting a room of the backends');
  return adoptedRecord(reg, id, found, holders);
}

/**
 * `list` entries of rooms the store does not hold (config-file rooms, rooms made on a Janus
 * directly), participants summed over the backends that hold them.
 */
export async function unadoptedEntries(reg: RoomRegistry, known: ReadonlySet<string>, showPrivate: boolean): Promise<JsonObject[]> {
  const entries = new Map<string, JsonObject>();
  for (const list of (await backendLists(reg)).values()) {
    for (const e of list) {
      const key = idKey(e.room as RoomId);
      if (known.has(key) || ours(reg, e) || (!showPrivate && e.is_private === true)) continue;
      const seen = entries.get(key);
      if (!seen) entries.set(key, { ...e });
      else seen.num_participants = Number(seen.num_participants ?? 0) + Number(e.num_participants ?? 0);
    }
  }
  return [...entries.values()];
}

/** Room management that Janus checks with the room's own secret: on adopted rooms, sent to Janus as the client wrote it. */
export const ADOPTED_MANAGEMENT = new Set(['edit', 'destroy', 'allowed', 'kick', 'moderate', 'enable_recording']);

/**
 * A management request on an adopted room, to every backend holding it as the client sent it (Janus
 * checks the secret it has from its config); a Janus error is the answer. After a `destroy` or an
 * `edit` the proxy forgets the room unless someone is in it, so that the next request finds it afresh.
 */
export async function manageAdopted(reg: RoomRegistry, room: LiveRoom, body: JsonObject): Promise<JsonObject> {
  const replies = await Promise.allSettled(room.record.backends.map((b) => reg.control.request(b, { ...body })));
  const refused = replies.find((r): r is PromiseRejectedResult => r.status === 'rejected' && r.reason instanceof VideoRoomError);
  if (refused) throw refused.reason as VideoRoomError;
  const answered = replies.find((r): r is PromiseFulfilledResult<JsonObject> => r.status === 'fulfilled');
  if (!answered) throw new VideoRoomError(VideoRoomCode.UNKNOWN_ERROR, ProxyErrors.noBackendAvailable(VIDEOROOM_PLUGIN).reason);
  if (body.request === 'destroy' || (body.request === 'edit' && room.participants().length === 0)) await reg.remove(room);
  return answered.value;
}
