/**
 * `join` / `joinandconfigure` on a handle that has not joined yet: the room (426 from the proxy),
 * the backend (placement), the backend room there (opened on demand), the backend handle, and then
 * the client's request itself, which that backend validates and answers as Janus.
 */
import type { MessageReply } from '../plugin.js';
import { BackendLink } from '../backend-link.js';
import { isBackendFailure, ProxyErrors } from '../../protocol/errors.js';
import type { JsonObject } from '../../protocol/messages.js';
import { idKey, type ParticipantId, type RoomId } from '../../store/room-store.js';
import { noSuchRoom, VideoRoomCode as C, VideoRoomError } from './errors.js';
import { idParam, JOIN_PARAMS, validate } from './params.js';
import { ensureBackendRoom } from './backend-rooms.js';
import { publisherBackend } from './placement.js';
import { newParticipantId, placePublisher } from './place-publisher.js';
import { VIDEOROOM_PLUGIN } from './options.js';
import { feedsOf, placeSubscriber } from './subscriber.js';
import type { LiveRoom } from './room.js';
import type { Target } from './rooms.js';
import type { VideoRoomHandle } from './handle.js';

/** Attaches the handle's backend handle on the target (a handle left from a failed join is reused there). */
async function linkTo(h: VideoRoomHandle, target: Target): Promise<void> {
  if (h.link && !h.link.isClosed && h.backend === target.backend) {
    target.release();
    return;
  }
  const old = h.link;
  h.link = undefined;
  await old?.detach().catch(() => undefined);
  const backend = h.reg.backend(target.backend);
  if (!backend) throw ProxyErrors.backendLost();
  const handle = await h.ctx.backendSession(backend).attach(VIDEOROOM_PLUGIN, h.ctx.opaqueId);
  if (h.closed) {
    await handle.detach();
    throw new VideoRoomError(C.UNKNOWN_ERROR, 'Handle closed');
  }
  h.link = new BackendLink(handle, h, target.release);
  h.backend = target.backend;
}

/** A placement for the join, with the participant id it reserved (publishers). */
interface Placed {
  target: Target;
  reserved: string | undefined;
}

function place(h: VideoRoomHandle, room: LiveRoom, subscriber: boolean, request: JsonObject): Placed {
  if (subscriber) return { target: placeSubscriber(h, room, request), reserved: undefined };
  request.id ??= newParticipantId(room, h.reg.options.stringIds);
  const target = placePublisher(h.reg, room, request.id, (exclude) => h.ctx.place(VIDEOROOM_PLUGIN, exclude));
  const id = request.id;
  if ((typeof id !== 'number' && typeof id !== 'string') || room.backendOf(id) !== undefined) return { target, reserved: undefined };
  room.reserved.set(idKey(id), target.backend);
  return { target, reserved: idKey(id) };
}

function unplace(h: VideoRoomHandle, room: LiveRoom, placed: Placed): void {
  if (placed.reserved !== undefined) {
    room.reserved.delete(placed.reserved);
    dropPlaceholder(h, room, placed.reserved);
  }
  placed.target.release();
}

/**
 * With a shared store, other proxies place publishers in the same room: the room's owner places it
 * (see placeForProxy). Should the room need a new backend, the one this client's selection (its
 * locality) prefers is offered; this proxy then counts the handle against the backend chosen.
 */
async function placeShared(h: VideoRoomHandle, room: LiveRoom, request: JsonObject): Promise<Placed> {
  // Picked here (random, room-wide unique with overwhelming odds), so that asking the owner again places the same join.
  request.id ??= newParticipantId(room, h.reg.options.stringIds);
  const id = request.id;
  const full = publisherBackend(h.reg.loads(room), room.record.publishersPerBackend) === undefined;
  const fresh = full ? h.ctx.place(VIDEOROOM_PLUGIN, new Set([...room.placedBackends(), ...room.setAsideBackends()])) : undefined;
  const answer = await h.reg.layout(room, {
    op: 'place', proxy: h.reg.deps.proxyId,
    ...(typeof id === 'number' || typeof id === 'string' ? { id } : {}),
    ...(fresh ? { fresh: fresh.backend.name } : {}),
  }).catch((err: unknown) => {
    fresh?.release();
    throw err;
  });
  const backend = answer.backend as string;
  const placedId = answer.id as ParticipantId;
  request.id = placedId;
  let target: Target;
  if (fresh?.backend.name === backend) target = { backend, release: fresh.release };
  else {
    fresh?.release();
    target = h.reg.reserve(backend);
  }
  if (answer.placed !== true) return { target, reserved: undefined };
  room.reserved.set(idKey(placedId), backend);
  return { target, reserved: idKey(placedId) };
}

/** A join that did not make it: its placeholder leaves the stored room (a joined participant stays). */
export function dropPlaceholder(h: VideoRoomHandle, room: LiveRoom, reserved: string): void {
  const p = room.participant(reserved);
  if (!h.reg.deps.store.shared || !p || p.privateId !== undefined) return;
  h.reg.records.removeParticipant(room, p.id).catch((err: unknown) => {
    h.ctx.logger.warn({ room: room.id, participant: p.id, err: (err as Error).message }, 'could not drop a join placeholder');
  });
}

/**
 * Places the join and makes sure the room is open on that backend. A backend where it cannot be
 * opened (someone else's room with this id, or the backend failing right then) is set aside for
 * a while and the join placed once more.
 */
async function placeAndOpen(h: VideoRoomHandle, room: LiveRoom, subscriber: boolean, request: JsonObject): Promise<Placed> {
  for (let attempt = 0; ; attempt++) {
    const placed = !subscriber && h.reg.deps.store.shared ? await placeShared(h, room, request) : place(h, room, subscriber, request);
    // Counted there before the room is opened there, so that no idle check drops it under this join.
    h.reg.addMember(room, h, placed.target.backend);
    try {
      await ensureBackendRoom(h.reg, room, placed.target.backend);
      return placed;
    } catch (err) {
      unplace(h, room, placed);
      if (room.destroyed || attempt >= 1) throw err;
      h.ctx.logger.warn({ room: room.id, backend: placed.target.backend, err: (err as Error).message }, 'cannot open the room there, placing again');
      room.setAside(placed.target.backend);
    }
  }
}

export async function sendJoin(h: VideoRoomHandle, name: string, body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<MessageReply> {
  const reg = h.reg;
  validate(body, JOIN_PARAMS);
  validate(body, [idParam('room', reg.options.stringIds)]);
  const room = await reg.get(body.room as RoomId);
  if (!room || room.destroyed) throw noSuchRoom(body.room);
  const subscriber = body.ptype === 'subscriber' || body.ptype === 'listener';
  const request: JsonObject = { ...body };
  reg.addMember(room, h);
  let placed: Placed | undefined;
  let linked = false;
  try {
    placed = await placeAndOpen(h, room, subscriber, request);
    if (subscriber) await room.mirrorsReady(feedsOf(body), placed.target.backend);
    await linkTo(h, placed.target);
    linked = true;
    // With the backend handle known, so the saved record says where the participant is.
    if (placed.reserved !== undefined) h.saveJoining(room.id, request.id as ParticipantId);
    h.room = room;
    h.role = subscriber ? 'subscriber' : 'publisher';
    h.reservedId = placed.reserved;
    h.state = 'joining';
    const reply = await h.forward(name, request, jsep, transaction);
    await h.flushTrickles();
    return reply;
  } catch (err) {
    if (placed && !linked) unplace(h, room, placed);
    else if (placed?.reserved !== undefined) {
      room.reserved.delete(placed.reserved);
      dropPlaceholder(h, room, placed.reserved);
    }
    reg.removeMember(room, h);
    h.state = 'idle';
    h.persist();
    if (isBackendFailure(err)) throw new VideoRoomError(C.UNKNOWN_ERROR, (err as Error).message);
    throw err;
  }
}
