/**
 * Publisher (participant) handles: what the proxy learns from their backend's events and what it
 * adds. Janus's room events are room-wide already (every backend room holds the whole roster), so
 * they pass through; the proxy registers the participant, mirrors its streams, and tells the other
 * backends' participants what their Janus cannot know (joining, leaving of an unmirrored
 * participant, kicks, display changes).
 */
import type { JsonObject } from '../../protocol/messages.js';
import { isJsonObject } from '../../protocol/messages.js';
import { idKey, type ParticipantId, type ParticipantRecord } from '../../store/room-store.js';
import { backendRoomMissing, scheduleIdleCheck } from './backend-rooms.js';
import { publisherIdentity, scheduleDisplayChange, schedulePublished, scheduleUnmirror } from './mirrors.js';
import { extensionIds } from './sdp.js';
import { dropPlaceholder } from './join.js';
import type { LiveRoom, RemovalReason } from './room.js';
import type { RequestTag, VideoRoomHandle } from './handle.js';

function pluginData(msg: JsonObject): JsonObject | undefined {
  const plugindata = msg.plugindata;
  return isJsonObject(plugindata) && isJsonObject(plugindata.data) ? plugindata.data : undefined;
}

function isId(value: unknown): value is ParticipantId {
  return typeof value === 'number' || typeof value === 'string';
}

/** The participant as Janus lists it in `attendees` and `joining`: id, display and (Janus 1.2+) metadata. */
export function attendee(p: ParticipantRecord): JsonObject {
  return { id: p.id, ...publisherIdentity(p) };
}

async function joined(h: VideoRoomHandle, room: LiveRoom, data: JsonObject, body: JsonObject): Promise<void> {
  if (!isId(data.id)) return;
  const p: ParticipantRecord = {
    id: data.id,
    display: typeof body.display === 'string' ? body.display : undefined,
    ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
    backend: h.backend,
    privateId: typeof data.private_id === 'number' ? data.private_id : undefined,
    streams: [],
    extensions: {},
    mirrors: {},
  };
  if (h.reservedId !== undefined) room.reserved.delete(h.reservedId);
  h.reservedId = undefined;
  h.participantId = p.id;
  h.state = 'joined';
  await h.reg.records.putParticipant(room, p);
  // The backend room's description carries the cluster's marker; the client sees the room's own.
  if (typeof data.description === 'string') data.description = room.record.description;
  if (Array.isArray(data.attendees)) {
    const elsewhere = room.participants().filter((q) => q.backend !== h.backend && q.streams.length === 0 && q.privateId !== undefined && idKey(q.id) !== idKey(p.id));
    data.attendees.push(...elsewhere.map(attendee));
  }
  if (room.record.listEntry.notify_joining === true) {
    h.reg.notifyElsewhere(room, h.backend, { videoroom: 'event', room: room.id, joining: attendee(p) }, p.id);
  }
}

function joinFailed(h: VideoRoomHandle, room: LiveRoom, code: unknown): void {
  if (h.reservedId !== undefined) {
    room.reserved.delete(h.reservedId);
    dropPlaceholder(h, room, h.reservedId);
  }
  h.reservedId = undefined;
  h.state = 'idle';
  h.reg.removeMember(room, h);
  backendRoomMissing(h.reg, room, h.backend, code);
  scheduleIdleCheck(h.reg, room, h.backend);
}

/** `configured` (or a `joined` with streams): new streams are mirrored, a new display name is told. */
async function configured(h: VideoRoomHandle, room: LiveRoom, data: JsonObject, jsep: unknown, body: JsonObject): Promise<void> {
  const p = h.participantId === undefined ? undefined : room.participant(h.participantId);
  if (!p) return;
  const streamsChanged = Array.isArray(data.streams);
  if (streamsChanged) {
    p.streams = (data.streams as unknown[]).filter(isJsonObject);
    if (isJsonObject(jsep) && typeof jsep.sdp === 'string') p.extensions = extensionIds(jsep.sdp);
  }
  const display = body.display;
  const displayChanged = typeof display === 'string' && display !== p.display && body.request !== 'joinandconfigure';
  if (typeof display === 'string') p.display = display;
  // Janus 1.2+ takes new metadata in `configure`; the copies on other backends get it like a display.
  const metadataChanged = body.metadata !== undefined && body.request !== 'joinandconfigure';
  if (metadataChanged) p.metadata = body.metadata;
  if (!streamsChanged && !displayChanged && !metadataChanged) return;
  await h.reg.records.putParticipant(room, p);
  // Janus announces a publisher once its PeerConnection is up; its copies appear no earlier (see mediaUp).
  if (streamsChanged && p.streams.length > 0 && h.mediaUp) void schedulePublished(h.reg, room, p.id);
  else if (displayChanged || metadataChanged) void scheduleDisplayChange(h.reg, room, p.id);
  if (displayChanged) h.reg.notifyElsewhere(room, h.backend, { videoroom: 'event', id: p.id, display }, p.id);
}

/**
 * The publisher's PeerConnection is up: Janus now announces it in its own room, and its copies go
 * up on the room's other backends. Before that, a subscriber of a copy would find Janus's origin
 * feed inactive (428).
 */
function mediaUp(h: VideoRoomHandle, room: LiveRoom): void {
  h.mediaUp = true;
  const p = h.participantId === undefined ? undefined : room.participant(h.participantId);
  if (p && p.streams.length > 0) void schedulePublished(h.reg, room, p.id);
}

/** The publisher stopped publishing (unpublish, or its PeerConnection went): its copies go. */
async function stoppedPublishing(h: VideoRoomHandle, room: LiveRoom): Promise<void> {
  const p = h.participantId === undefined ? undefined : room.participant(h.participantId);
  if (!p || p.streams.length === 0) return;
  p.streams = [];
  p.extensions = {};
  await h.reg.records.putParticipant(room, p);
  void scheduleUnmirror(h.reg, room, p, 'unpublished');
}

/**
 * The participant is out of the room. Participants on other backends hear it from their Janus
 * when a copy is removed there, from the proxy otherwise.
 */
async function removeParticipant(h: VideoRoomHandle, room: LiveRoom, id: ParticipantId, reason: RemovalReason, originAlive: boolean): Promise<void> {
  const p = room.participant(id);
  if (!p) return;
  await h.reg.records.removeParticipant(room, id);
  const mirrored = new Set(Object.keys(p.mirrors));
  const event: JsonObject = { videoroom: 'event', room: room.id, [reason === 'kicked' ? 'kicked' : 'leaving']: id };
  h.reg.notifyElsewhere(room, p.backend, event, id, [...mirrored]);
  if (mirrored.size > 0 || p.streams.length > 0) void scheduleUnmirror(h.reg, room, p, reason, originAlive);
  if (originAlive) scheduleIdleCheck(h.reg, room, p.backend);
}

/** A `leaving` from a copy taken down because its publisher unpublished is told as Janus tells it: `unpublished`. */
function rewriteRemoval(room: LiveRoom, backend: string, data: JsonObject): void {
  const id = data.leaving;
  if (!isId(id) || id === 'ok') return;
  const p = room.participant(id);
  if (!p || p.backend === backend || room.removals.get(idKey(id)) !== 'unpublished') return;
  delete data.leaving;
  data.unpublished = id;
}

export async function onPublisherEvent(h: VideoRoomHandle, msg: JsonObject, tag: RequestTag | undefined): Promise<void> {
  const room = h.room;
  const data = pluginData(msg);
  if (room && msg.janus === 'webrtcup') mediaUp(h, room);
  if (room && msg.janus === 'hangup') {
    h.mediaUp = false;
    await stoppedPublishing(h, room);
  }
  if (!room || msg.janus !== 'event' || !data) {
    h.emit(msg);
    return;
  }
  if (h.state === 'joining' && (tag?.request === 'join' || tag?.request === 'joinandconfigure')) {
    if (data.videoroom === 'joined') await joined(h, room, data, tag.body);
    else if (data.error_code !== undefined) joinFailed(h, room, data.error_code);
  }
  if (tag && (data.configured === 'ok' || data.videoroom === 'joined')) await configured(h, room, data, msg.jsep, tag.body);
  if (data.unpublished === 'ok') await stoppedPublishing(h, room);
  if (data.leaving === 'ok' && h.participantId !== undefined) {
    h.reg.removeMember(room, h);
    await removeParticipant(h, room, h.participantId, data.reason === 'kicked' ? 'kicked' : 'left', true);
  }
  if (data.videoroom === 'destroyed') h.reg.removeMember(room, h);
  rewriteRemoval(room, h.backend, data);
  h.emit(msg);
}

/** The client handle went (detach, session gone) or its backend died (`originAlive` false). */
export function publisherGone(h: VideoRoomHandle, reason: RemovalReason, originAlive: boolean): void {
  const room = h.room;
  if (!room) return;
  h.reg.removeMember(room, h);
  if (h.reservedId !== undefined) room.reserved.delete(h.reservedId);
  const id = h.participantId;
  if (id === undefined) {
    if (h.backend !== '') scheduleIdleCheck(h.reg, room, h.backend);
    return;
  }
  removeParticipant(h, room, id, reason, originAlive).catch((err: unknown) => {
    h.ctx.logger.warn({ err: (err as Error).message, room: room.id }, 'could not remove a participant');
  });
}
