/** Participant-level requests: `listparticipants`, `listforwarders`, `rtp_forward`, `stop_rtp_forward`. */
import type { JsonObject } from '../../protocol/messages.js';
import { isJsonObject } from '../../protocol/messages.js';
import { idKey, type ParticipantId } from '../../store/room-store.js';
import { VideoRoomCode as C, VideoRoomError } from './errors.js';
import { checkSecret, idParam, RTP_FORWARD_PARAMS, STOP_RTP_FORWARD_PARAMS, validate } from './params.js';
import { requireRoom } from './sync-rooms.js';
import type { LiveRoom } from './room.js';
import type { RoomRegistry } from './rooms.js';

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

/** The same request to every backend room; backends that fail are left out. */
async function fromAllBackends(reg: RoomRegistry, room: LiveRoom, body: JsonObject): Promise<{ backend: string; data: JsonObject }[]> {
  const replies = await Promise.all(room.record.backends.map(async (backend) => {
    const data = await reg.control.request(backend, { ...body }).catch(() => undefined);
    return data ? [{ backend, data }] : [];
  }));
  return replies.flat();
}

export async function listParticipants(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  const room = await requireRoom(reg, body);
  const replies = await fromAllBackends(reg, room, { request: 'listparticipants', room: room.id });
  const seen = new Set<string>();
  const participants: JsonObject[] = [];
  for (const { data } of replies) {
    for (const entry of objects(data.participants)) {
      const key = idKey(entry.id as ParticipantId);
      // Remote publishers are all the proxy's mirrors (clients cannot make any): the participant's
      // origin lists the real entry. A mirror just removed may still be listed for a moment, too.
      if (entry.remote === true || seen.has(key)) continue;
      seen.add(key);
      participants.push(entry);
    }
  }
  return { videoroom: 'participants', room: room.id, participants };
}

/** The client's secret becomes the backend rooms' one when right; anything else goes as is, for Janus's own error. */
function backendSecret(reg: RoomRegistry, room: LiveRoom, body: JsonObject): JsonObject {
  const out = { ...body };
  // An adopted room's backend rooms have Janus's own secret, which the client gives (or not).
  if (room.record.adopted === true) return out;
  if (room.record.secret === undefined || body.secret === room.record.secret) out.secret = reg.options.backendRoomSecret;
  return out;
}

function checkRtpForwardKey(reg: RoomRegistry, body: JsonObject): void {
  if (!reg.options.lockRtpForward || reg.options.adminKey === undefined) return;
  validate(body, [{ name: 'admin_key', kind: 'string', required: true }]);
  checkSecret(reg.options.adminKey, body, 'admin_key');
}

/** The backend a request about publisher `id` goes to: its origin, else any room backend (to get Janus's own 428). */
function backendFor(room: LiveRoom, id: ParticipantId): string | undefined {
  return room.participant(id)?.backend ?? room.record.backends[0];
}

export async function listForwarders(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  const room = await requireRoom(reg, body);
  checkSecret(room.record.secret, body);
  const replies = await fromAllBackends(reg, room, { request: 'listforwarders', room: room.id, secret: reg.options.backendRoomSecret });
  // A publisher shows up with no forwarder when it only has the hidden remotizations of its mirrors.
  const publishers = replies.flatMap(({ data }) => objects(data.publishers)).filter((p) => objects(p.forwarders).length > 0);
  return { videoroom: 'forwarders', room: room.id, publishers };
}

export async function rtpForward(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  validate(body, RTP_FORWARD_PARAMS);
  validate(body, [idParam('room', reg.options.stringIds)]);
  validate(body, [idParam('publisher_id', reg.options.stringIds)]);
  const { backend, data } = await onPublisherOrigin(reg, body);
  // Which Janus sends the RTP (the publisher's origin, the only one with its media): a key Janus
  // does not send, so only when the operator asks for it.
  const sender = reg.options.rtpForwardLocalHost ? reg.mediaAddress(backend) : undefined;
  for (const forwarder of objects(data.forwarders)) if (sender !== undefined) forwarder.local_host = sender;
  return data;
}

export async function stopRtpForward(reg: RoomRegistry, body: JsonObject): Promise<JsonObject> {
  validate(body, [idParam('room', reg.options.stringIds)]);
  validate(body, [idParam('publisher_id', reg.options.stringIds)]);
  validate(body, STOP_RTP_FORWARD_PARAMS);
  return (await onPublisherOrigin(reg, body)).data;
}

/**
 * An RTP-forwarding request, its fields already checked, sent to the publisher's origin Janus (the
 * only one with its media) with the room's backend secret and the admin key.
 */
async function onPublisherOrigin(reg: RoomRegistry, body: JsonObject): Promise<{ backend: string; data: JsonObject }> {
  checkRtpForwardKey(reg, body);
  const room = await requireRoom(reg, body);
  const id = body.publisher_id as ParticipantId;
  const backend = backendFor(room, id);
  if (backend === undefined) throw new VideoRoomError(C.NO_SUCH_FEED, `No such feed (${String(id)})`);
  const request = backendSecret(reg, room, body);
  if (reg.options.adminKey !== undefined) request.admin_key = reg.options.adminKey;
  return { backend, data: await reg.control.request(backend, request) };
}
