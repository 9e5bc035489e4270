/** Moderation requests: `allowed`, `kick`, `moderate`, `enable_recording`. */
import type { JsonObject } from '../../protocol/messages.js';
import type { ParticipantId, ParticipantRecord } from '../../store/room-store.js';
import { VideoRoomCode as C, VideoRoomError } from './errors.js';
import { ALLOWED_PARAMS, checkSecret, idParam, KICK_PARAMS, MODERATE_PARAMS, RECORD_PARAMS, validate } from './params.js';
import { requireRoom } from './sync-rooms.js';
import type { LiveRoom } from './room.js';
import type { RoomRegistry } from './rooms.js';

const ACTIONS = ['enable', 'disable', 'add', 'remove'];

/** Sends a request to every backend room of the room; failures are logged, the proxy's state rules. */
async function toAllBackends(reg: RoomRegistry, room: LiveRoom, body: JsonObject): Promise<void> {
  await Promise.all(room.record.backends.map((b) => reg.control.request(b, { ...body }).catch((err: unknown) => {
    reg.deps.logger.warn({ room: room.id, backend: b, request: body.request, err: (err as Error).message }, 'backend room request failed');
  })));
}

export async function allowed(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  validate(body, [idParam('room', reg.options.stringIds)]);
  validate(body, ALLOWED_PARAMS);
  const action = (body.action as string).toLowerCase();
  if (!ACTIONS.includes(action)) throw new VideoRoomError(C.INVALID_ELEMENT, `Unsupported action '${body.action as string}' (allowed)`);
  const room = await requireRoom(reg, body);
  checkSecret(room.record.secret, body);
  const list = body.allowed;
  if ((action === 'add' || action === 'remove') && Array.isArray(list) && list.some((t) => typeof t !== 'string')) {
    throw new VideoRoomError(C.INVALID_ELEMENT, 'Invalid element in the allowed array (not a string)');
  }
  const answer = await reg.layout(room, { op: 'allowed', action, ...(Array.isArray(list) ? { list: list as string[] } : {}) });
  const reply: JsonObject = { videoroom: 'success', room: room.id };
  if (action !== 'disable') reply.allowed = answer.allowed ?? [];
  return reply;
}

/** Runs at the room's owner, in its queue: the room's access list and every backend room's; the tokens after the change. */
export async function changeAllowed(reg: RoomRegistry, room: LiveRoom, action: string, list: string[] | undefined): Promise<JsonObject> {
  const acl = room.record.allowed;
  if (action === 'enable' || action === 'disable') acl.enabled = action === 'enable';
  else if (list) {
    const tokens = new Set(acl.tokens);
    for (const token of list) {
      if (action === 'add') tokens.add(token);
      else tokens.delete(token);
    }
    acl.tokens = [...tokens];
  }
  const backendBody: JsonObject = { request: 'allowed', room: room.id, secret: reg.options.backendRoomSecret, action };
  if (list) backendBody.allowed = list;
  await toAllBackends(reg, room, backendBody);
  await reg.records.update(room, { allowed: acl });
  return { allowed: [...acl.tokens] };
}

function requireParticipant(room: LiveRoom, id: ParticipantId): ParticipantRecord {
  const p = room.participant(id);
  if (!p) throw new VideoRoomError(C.NO_SUCH_FEED, `No such user ${String(id)} in room ${String(room.id)}`);
  return p;
}

export async function kick(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  validate(body, [idParam('room', reg.options.stringIds)]);
  validate(body, [idParam('id', reg.options.stringIds)]);
  validate(body, KICK_PARAMS);
  const room = await requireRoom(reg, body);
  checkSecret(room.record.secret, body);
  const p = requireParticipant(room, body.id as ParticipantId);
  // Janus on the origin kicks and tells its room; the kicked handle's event takes the copies down.
  await reg.control.request(p.backend, { request: 'kick', room: room.id, secret: reg.options.backendRoomSecret, id: p.id });
  return { videoroom: 'success' };
}

export async function moderate(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  validate(body, [idParam('room', reg.options.stringIds)]);
  validate(body, [idParam('id', reg.options.stringIds)]);
  validate(body, MODERATE_PARAMS);
  const room = await requireRoom(reg, body);
  checkSecret(room.record.secret, body);
  const p = requireParticipant(room, body.id as ParticipantId);
  const secret = reg.options.backendRoomSecret;
  const { mid, mute } = body as { mid: string; mute: boolean };
  await reg.control.request(p.backend, { request: 'moderate', room: room.id, secret, id: p.id, mid, mute });
  // Every copy is muted too: its room then tells its own participants, as the origin told its own.
  const index = p.streams.findIndex((s) => s.mid === mid);
  if (index >= 0) {
    await Promise.all(Object.keys(p.mirrors).map((b) =>
      reg.control.request(b, { request: 'moderate', room: room.id, secret, id: p.id, mid: String(index), mute }).catch(() => undefined)));
  }
  return { videoroom: 'success' };
}

export async function enableRecording(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  validate(body, [idParam('room', reg.options.stringIds)]);
  validate(body, RECORD_PARAMS);
  const room = await requireRoom(reg, body);
  checkSecret(room.record.secret, body);
  const record = body.record as boolean;
  await reg.layout(room, { op: 'record', record });
  return { videoroom: 'success', record };
}

/** Runs at the room's owner, in its queue. */
export async function setRecording(reg: RoomRegistry, room: LiveRoom, record: boolean): Promise<void> {
  room.record.params.record = record;
  room.record.listEntry.record = record;
  // Janus records only a backend's own publishers, never the remote copies: each file is written once.
  await toAllBackends(reg, room, { request: 'enable_recording', room: room.id, secret: reg.options.backendRoomSecret, record });
  await reg.records.update(room, { params: room.record.params, listEntry: room.record.listEntry });
}
