/**
 * Where a publisher joining a room goes, on the room as this proxy holds it: with the memory store
 * for its own client, with a shared store at the room's owner for a client of any proxy.
 */
import { randomUUID } from 'node:crypto';
import { ProxyErrors } from '../../protocol/errors.js';
import { uniqueId } from '../../protocol/ids.js';
import type { JsonObject } from '../../protocol/messages.js';
import type { Placement } from '../../cluster/cluster.js';
import type { ParticipantId } from '../../store/room-store.js';
import { noSuchRoom, VideoRoomCode as C, VideoRoomError } from './errors.js';
import { VIDEOROOM_PLUGIN } from './options.js';
import { overflowBackend, publisherBackend } from './placement.js';
import type { LiveRoom } from './room.js';
import type { RoomRegistry, Target } from './rooms.js';

/** Ids are unique room-wide, whichever backend a participant is on: the proxy picks them. */
export function newParticipantId(room: LiveRoom, stringIds: boolean): ParticipantId {
  if (stringIds) return randomUUID();
  return uniqueId<number>((id) => room.backendOf(id) !== undefined);
}

/**
 * The publisher's backend: where its id already is (Janus then answers 436), else the room's fullest
 * backend under the threshold, else a new backend from `placeNew` (the selection pipeline), else
 * the least full.
 */
export function placePublisher(reg: RoomRegistry, room: LiveRoom, id: unknown, placeNew: (exclude: ReadonlySet<string>) => Placement | undefined): Target {
  const existing = typeof id === 'number' || typeof id === 'string' ? room.backendOf(id) : undefined;
  if (existing !== undefined) return reg.reserve(existing);
  const loads = reg.loads(room);
  const fill = publisherBackend(loads, room.record.publishersPerBackend);
  if (fill !== undefined) return reg.reserve(fill);
  const placed = placeNew(new Set([...room.placedBackends(), ...room.setAsideBackends()]));
  if (placed) return { backend: placed.backend.name, release: placed.release };
  const overflow = overflowBackend(loads);
  if (overflow !== undefined) return reg.reserve(overflow);
  throw new VideoRoomError(C.UNKNOWN_ERROR, ProxyErrors.noBackendAvailable(VIDEOROOM_PLUGIN).reason);
}

/**
 * Runs at the room's owner, in its queue: places a publisher of proxy `proxy` and writes its
 * placeholder (no private id, no streams) at once, so the next placement, for whichever proxy,
 * counts it. Janus's `joined` replaces it. `fresh`: the new backend that proxy's selection (with its
 * client's locality) would open the room on, if it comes to that.
 */
export async function placeForProxy(reg: RoomRegistry, room: LiveRoom, command: { id?: ParticipantId; proxy: string; fresh?: string }): Promise<JsonObject> {
  if (room.destroyed) throw noSuchRoom(room.id);
  const id = command.id ?? newParticipantId(room, reg.options.stringIds);
  const existing = room.backendOf(id);
  if (existing !== undefined) {
    // The same join asked again (its first answer was lost): the placeholder is still its own.
    const placed = room.participant(id);
    const own = placed?.placedBy === command.proxy && placed.privateId === undefined;
    return { backend: existing, id, placed: own };
  }
  const target = placePublisher(reg, room, id, (exclude) => {
    if (command.fresh !== undefined && !exclude.has(command.fresh)) {
      const chosen = reg.deps.cluster.placeOn(command.fresh, VIDEOROOM_PLUGIN);
      if (chosen) return chosen;
    }
    return reg.deps.cluster.place(VIDEOROOM_PLUGIN, undefined, exclude);
  });
  // The placeholder counts from now on; the joining proxy counts its handle against the backend itself.
  target.release();
  reg.deps.logger.debug({ room: room.id, participant: id, backend: target.backend, proxy: command.proxy, counts: Object.fromEntries(room.participantCounts()) }, 'publisher placed');
  await reg.records.putParticipant(room, {
    id, display: undefined, backend: target.backend, privateId: undefined, streams: [], extensions: {}, mirrors: {}, placedBy: command.proxy,
  });
  return { backend: target.backend, id, placed: true };
}
