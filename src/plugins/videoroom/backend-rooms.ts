/**
 * Backend rooms: a room has one on every Janus it uses, with the same id, the proxy's marker in its
 * description and the cluster's backend room secret. They are opened when a participant needs one
 * (with every publisher of the room mirrored there), dropped when no client of any live proxy uses
 * them any more, and given up when their Janus dies.
 */
import type { JsonObject } from '../../protocol/messages.js';
import { VideoRoomCode, VideoRoomError, noSuchRoom } from './errors.js';
import { backendAllowedRequests, backendCreateBody } from './room-config.js';
import { dropMirrorsOnto, mirrorAllOnto } from './mirrors.js';
import type { LiveRoom } from './room.js';
import type { RoomRegistry } from './rooms.js';

async function createBackendRoom(reg: RoomRegistry, room: LiveRoom, backend: string): Promise<void> {
  const body = backendCreateBody(room.record, reg.options);
  try {
    await reg.control.request(backend, body);
  } catch (err) {
    if (!(err instanceof VideoRoomError && err.code === VideoRoomCode.ROOM_EXISTS)) throw err;
    // A backend room of ours left over (a crashed proxy, a sweeper not done yet): our secret opens it.
    // Anyone else's room answers 433 here and this backend cannot host the room. A deposed owner
    // stops here: the room there may be the new owner's, participants and copies in it.
    await reg.records.mustOwn(room);
    await reg.control.request(backend, { request: 'destroy', room: room.id, secret: reg.options.backendRoomSecret });
    await reg.control.request(backend, body);
  }
  for (const request of backendAllowedRequests(room.record, reg.options)) await reg.control.request(backend, request);
}

/** Runs at the room's owner. A backend where the room cannot be opened is kept away from placement for a while. */
export async function openBackendRoom(reg: RoomRegistry, room: LiveRoom, backend: string): Promise<void> {
  if (room.destroyed) throw noSuchRoom(room.id);
  if (room.record.backends.includes(backend)) return;
  try {
    await createBackendRoom(reg, room, backend);
  } catch (err) {
    room.setAside(backend);
    throw err;
  }
  await mirrorAllOnto(reg, room, backend);
  await reg.records.addBackend(room, backend);
  reg.deps.logger.info({ room: room.id, backend, backends: room.record.backends }, 'room opened on a backend');
}

/**
 * Resolves once `backend` holds the room's backend room with every publisher mirrored there. Must
 * not be awaited from inside the room's queue (it queues the work itself).
 */
export function ensureBackendRoom(reg: RoomRegistry, room: LiveRoom, backend: string): Promise<void> {
  if (room.record.backends.includes(backend)) return Promise.resolve();
  let opening = room.opening.get(backend);
  if (!opening) {
    opening = reg.layout(room, { op: 'open', backend }).then(() => undefined).finally(() => room.opening.delete(backend));
    room.opening.set(backend, opening);
  }
  return opening;
}

/** The room leaves `backend`: copies there go, the origins stop sending there, the backend room is destroyed if reachable. */
export async function scheduleDropBackend(reg: RoomRegistry, room: LiveRoom, backend: string): Promise<void> {
  await reg.layout(room, { op: 'drop', backend }).catch((err: unknown) => {
    reg.deps.logger.warn({ room: room.id, backend, err: (err as Error).message }, 'could not drop a backend room');
  });
}

/**
 * Runs at the room's owner, in its queue: another proxy found the room gone from `backend` (its own
 * channel there broke, or a join there answered 426). The owner asks the backend itself first: a
 * backend room still there stays (the other proxy's view was stale or only its connection failed).
 */
export async function dropBackendIfGone(reg: RoomRegistry, room: LiveRoom, backend: string): Promise<void> {
  if (!room.record.backends.includes(backend)) return;
  const answer = await reg.control.request(backend, { request: 'exists', room: room.id }).then((d) => d.exists === true, () => undefined);
  if (answer === true) {
    reg.deps.logger.info({ room: room.id, backend }, 'backend room reported gone is there: kept');
    return;
  }
  await dropBackend(reg, room, backend, answer !== undefined);
}

/** Runs at the room's owner, in its queue. */
async function dropBackend(reg: RoomRegistry, room: LiveRoom, backend: string, alive: boolean): Promise<void> {
  if (!room.record.backends.includes(backend)) return;
  await reg.records.removeBackend(room, backend);
  await dropMirrorsOnto(reg, room, backend, alive);
  // An adopted room's backend rooms are Janus's own (config file): they stay.
  if (alive && room.record.adopted !== true) {
    await reg.control.request(backend, { request: 'destroy', room: room.id, secret: reg.options.backendRoomSecret }).catch(() => undefined);
  }
  reg.deps.logger.info({ room: room.id, backend, alive, backends: room.record.backends }, 'room left a backend');
}

function inUse(room: LiveRoom, backend: string): boolean {
  if (room.opening.has(backend) || room.membersOn(backend).length > 0) return true;
  if ([...room.reserved.values()].includes(backend)) return true;
  return room.participants().some((p) => p.backend === backend);
}

/** Whether the room has no one on `backend` here nor on any other live proxy (whose handles the store counts). */
async function idle(reg: RoomRegistry, room: LiveRoom, backend: string): Promise<boolean> {
  if (room.destroyed || inUse(room, backend) || !room.record.backends.includes(backend)) return false;
  return !(await reg.usedElsewhere(room, backend));
}

/** Runs at the room's owner, in its queue: drops the backend room if no proxy has anyone on it. */
export async function dropIfIdle(reg: RoomRegistry, room: LiveRoom, backend: string): Promise<void> {
  if (await idle(reg, room, backend)) await dropBackend(reg, room, backend, true);
}

/** After a while without anyone on it, the room's backend room on `backend` is dropped. */
export function scheduleIdleCheck(reg: RoomRegistry, room: LiveRoom, backend: string): void {
  if (room.record.adopted === true) return;
  clearTimeout(room.idleTimers.get(backend));
  const timer = setTimeout(() => {
    room.idleTimers.delete(backend);
    idle(reg, room, backend).then((yes) => {
      // Checked again at the owner, in the queue: a join may have come meanwhile.
      if (yes) return reg.layout(room, { op: 'drop-if-idle', backend });
      return undefined;
    }).catch((err: unknown) => {
      reg.deps.logger.warn({ room: room.id, backend, err: (err as Error).message }, 'could not check whether a backend room is idle');
    });
  }, reg.options.idleBackendRoomMs);
  timer.unref();
  room.idleTimers.set(backend, timer);
}

/** A join found no backend room where the proxy had one (e.g. a sweeper took it): the next join opens it anew. */
export function backendRoomMissing(reg: RoomRegistry, room: LiveRoom, backend: string, code: unknown): void {
  if (code !== VideoRoomCode.NO_SUCH_ROOM || room.destroyed || !room.record.backends.includes(backend)) return;
  reg.deps.logger.warn({ room: room.id, backend }, 'backend room vanished, dropping it');
  void scheduleDropBackend(reg, room, backend);
}

/**
 * The control channel to `backend` broke. Rooms whose backend room is still there stay (a
 * connection blip); the others leave the backend as a dead one.
 */
export async function recheckBackend(reg: RoomRegistry, backend: string): Promise<void> {
  const rooms = reg.liveRooms().filter((r) => r.record.backends.includes(backend));
  await Promise.all(rooms.map(async (room) => {
    const body: JsonObject = { request: 'exists', room: room.id };
    const present = await reg.control.request(backend, body).then((d) => d.exists === true, () => false);
    if (!present) await scheduleDropBackend(reg, room, backend);
  }));
}
