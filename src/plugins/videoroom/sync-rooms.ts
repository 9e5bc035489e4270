/** Room management requests: `create`, `edit`, `destroy`, `exists`, `list`. */
import type { JsonObject } from '../../protocol/messages.js';
import { isJsonInteger } from '../../protocol/messages.js';
import { isBackendFailure, ProxyErrors } from '../../protocol/errors.js';
import { idKey, type RoomId } from '../../store/room-store.js';
import { VideoRoomCode as C, VideoRoomError, noSuchRoom } from './errors.js';
import { checkSecret, DESTROY_PARAMS, EDIT_PARAMS, idParam, validate } from './params.js';
import { applyEdit, backendEditBody, firstCreateBody, listEntry, newRoomRecord } from './room-config.js';
import { scheduleIdleCheck } from './backend-rooms.js';
import { unadoptedEntries } from './config-rooms.js';
import { VIDEOROOM_PLUGIN } from './options.js';
import type { LiveRoom } from './room.js';
import type { RoomRegistry } from './rooms.js';

const MAX_CREATE_ATTEMPTS = 3;

/** The room named by a request: validated id, then the room, or Janus's 426. */
export async function requireRoom(reg: RoomRegistry, body: JsonObject): Promise<LiveRoom> {
  validate(body, [idParam('room', reg.options.stringIds)]);
  const room = await reg.get(body.room as RoomId);
  if (!room || room.destroyed) throw noSuchRoom(body.room);
  return room;
}

/** Sends the client's `create` to a backend the selection pipeline picks, skipping backends that fail. */
async function createOnFirstBackend(reg: RoomRegistry, body: JsonObject): Promise<{ backend: string; data: JsonObject }> {
  const failed = new Set<string>();
  for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
    const placement = reg.deps.cluster.place(VIDEOROOM_PLUGIN, undefined, failed);
    if (!placement) break;
    placement.release();
    const backend = placement.backend.name;
    try {
      return { backend, data: await reg.control.request(backend, firstCreateBody(body, reg.options)) };
    } catch (err) {
      if (!isBackendFailure(err)) throw err;
      failed.add(backend);
    }
  }
  throw new VideoRoomError(C.UNKNOWN_ERROR, ProxyErrors.noBackendAvailable(VIDEOROOM_PLUGIN).reason);
}

/** Janus's own list entry for a room it just created (its defaults and normalisation, exactly). */
async function backendListEntry(reg: RoomRegistry, backend: string, id: RoomId): Promise<JsonObject> {
  const body: JsonObject = { request: 'list' };
  if (reg.options.adminKey !== undefined) body.admin_key = reg.options.adminKey;
  const data = await reg.control.request(backend, body);
  const list = Array.isArray(data.list) ? (data.list as JsonObject[]) : [];
  return list.find((entry) => idKey(entry.room as RoomId) === idKey(id)) ?? {};
}

export async function create(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  const perBackend = body.publishers_per_backend;
  if (perBackend !== undefined && !(isJsonInteger(perBackend) && perBackend >= 1)) {
    throw new VideoRoomError(C.INVALID_ELEMENT, 'Invalid element type (publishers_per_backend should be a positive integer)');
  }
  const { backend, data } = await createOnFirstBackend(reg, body);
  const id = data.room as RoomId;
  let room: LiveRoom | undefined;
  try {
    // Checks a single Janus makes before creating, which the chosen backend could not make:
    // the proxy's admin_key (when backends have none) and rooms that live on other backends.
    if (reg.options.adminKey !== undefined) {
      validate(body, [{ name: 'admin_key', kind: 'string', required: true }]);
      checkSecret(reg.options.adminKey, body, 'admin_key');
    }
    const entry = await backendListEntry(reg, backend, id);
    room = await reg.add(newRoomRecord(id, body, entry, backend, reg.options, Date.now()));
    if (!room) throw new VideoRoomError(C.ROOM_EXISTS, `Room ${String(id)} already exists`);
  } catch (err) {
    await reg.control.request(backend, { request: 'destroy', room: id, secret: reg.options.backendRoomSecret }).catch(() => undefined);
    throw err;
  }
  scheduleIdleCheck(reg, room, backend);
  reg.deps.logger.info({ room: id, backend }, 'room created');
  return { videoroom: 'created', room: id, permanent: room.record.permanent };
}

export async function edit(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  validate(body, [idParam('room', reg.options.stringIds)]);
  validate(body, EDIT_PARAMS);
  const room = await requireRoom(reg, body);
  checkSecret(room.record.secret, body);
  await reg.layout(room, { op: 'edit', body });
  return { videoroom: 'edited', room: room.id, permanent: body.permanent === true };
}

/** Runs at the room's owner, in its queue: every backend room, then the record. */
export async function editRoom(reg: RoomRegistry, room: LiveRoom, body: JsonObject): Promise<void> {
  const backendBody = backendEditBody(room.record, body, reg.options);
  await Promise.all(room.record.backends.map((b) => reg.control.request(b, { ...backendBody }).catch((err: unknown) => {
    reg.deps.logger.warn({ room: room.id, backend: b, err: (err as Error).message }, 'edit of a backend room failed');
  })));
  applyEdit(room.record, body);
  const { params, secret, description, isPrivate, permanent, listEntry: entry } = room.record;
  await reg.records.update(room, { params, secret, description, isPrivate, permanent, listEntry: entry });
}

export async function destroy(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  validate(body, [idParam('room', reg.options.stringIds)]);
  validate(body, DESTROY_PARAMS);
  const room = await requireRoom(reg, body);
  checkSecret(room.record.secret, body);
  await reg.layout(room, { op: 'destroy' });
  reg.deps.logger.info({ room: room.id }, 'room destroyed');
  return { videoroom: 'destroyed', room: room.id, permanent: body.permanent === true };
}

/** Runs at the room's owner, in its queue. */
export async function destroyRoom(reg: RoomRegistry, room: LiveRoom): Promise<void> {
  const secret = reg.options.backendRoomSecret;
  // Every backend tells its own participants (`destroyed`) and closes their PeerConnections.
  await Promise.all(room.record.backends.map((b) => reg.control.request(b, { request: 'destroy', room: room.id, secret }).catch(() => undefined)));
  await reg.remove(room);
}

export async function exists(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  validate(body, [idParam('room', reg.options.stringIds)]);
  const room = await reg.get(body.room as RoomId);
  return { videoroom: 'success', room: body.room, exists: room !== undefined && !room.destroyed };
}

export async function list(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  let showPrivate = false;
  const key = body.admin_key;
  if (reg.options.adminKey !== undefined && typeof key === 'string' && key.length > 0) {
    checkSecret(reg.options.adminKey, body, 'admin_key');
    showPrivate = true;
  }
  const rooms = await reg.deps.store.list();
  const entries = rooms
    .filter((r) => showPrivate || !r.isPrivate)
    .map((r) => listEntry(r, Object.keys(r.participants).length));
  const known = new Set(rooms.map((r) => idKey(r.id)));
  return { videoroom: 'success', list: [...entries, ...await unadoptedEntries(reg, known, showPrivate)] };
}
