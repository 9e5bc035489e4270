/**
 * Subscriber handles: placed on the backend of their own publisher (by `private_id`), else on the
 * room's least-loaded backend. Every feed of the room is there (origin or mirror), so one
 * PeerConnection carries any set of feeds; the proxy only waits for mirrors still being created.
 */
import type { JsonObject } from '../../protocol/messages.js';
import { isJsonObject } from '../../protocol/messages.js';
import { ProxyErrors } from '../../protocol/errors.js';
import type { ParticipantId } from '../../store/room-store.js';
import { VideoRoomCode as C, VideoRoomError } from './errors.js';
import { subscriberBackend } from './placement.js';
import { backendRoomMissing, scheduleIdleCheck } from './backend-rooms.js';
import { VIDEOROOM_PLUGIN } from './options.js';
import type { LiveRoom } from './room.js';
import type { RequestTag, VideoRoomHandle } from './handle.js';
import type { Target } from './rooms.js';

function isId(value: unknown): value is ParticipantId {
  return typeof value === 'number' || typeof value === 'string';
}

/** The feeds a subscriber request names (`streams`, `subscribe`, legacy `feed`). */
export function feedsOf(body: JsonObject): ParticipantId[] {
  const feeds: ParticipantId[] = [];
  if (isId(body.feed)) feeds.push(body.feed);
  for (const list of [body.streams, body.subscribe]) {
    if (!Array.isArray(list)) continue;
    for (const stream of list) if (isJsonObject(stream) && isId(stream.feed)) feeds.push(stream.feed);
  }
  return feeds;
}

export function placeSubscriber(h: VideoRoomHandle, room: LiveRoom, body: JsonObject): Target {
  const loads = h.reg.loads(room);
  const privateId = body.private_id;
  if (typeof privateId === 'number') {
    const owner = room.byPrivateId(privateId);
    if (owner && loads.some((l) => l.name === owner.backend && l.usable)) return h.reg.reserve(owner.backend);
  }
  // Where the requested feeds are already (origin or copy), so that none of them is missing there.
  const feeds = feedsOf(body);
  const chosen = subscriberBackend(loads.map((l) => ({ ...l, feeds: feeds.filter((f) => room.hasFeed(f, l.name)).length })));
  if (chosen !== undefined) return h.reg.reserve(chosen);
  // The room is on no usable backend: it opens on the one the selection pipeline picks.
  const placed = h.ctx.place(VIDEOROOM_PLUGIN, new Set([...room.placedBackends(), ...room.setAsideBackends()]));
  if (placed) return { backend: placed.backend.name, release: placed.release };
  throw new VideoRoomError(C.UNKNOWN_ERROR, ProxyErrors.noBackendAvailable(VIDEOROOM_PLUGIN).reason);
}

/** Requests naming new feeds wait until those feeds' mirrors on this subscriber's backend exist. */
export async function prepareSubscriberRequest(h: VideoRoomHandle, name: string, body: JsonObject): Promise<void> {
  if (!h.room || !['join', 'subscribe', 'update', 'switch'].includes(name)) return;
  await h.room.mirrorsReady(feedsOf(body), h.backend);
}

export function onSubscriberEvent(h: VideoRoomHandle, msg: JsonObject, tag: RequestTag | undefined): Promise<void> {
  const plugindata = msg.plugindata;
  const data = isJsonObject(plugindata) && isJsonObject(plugindata.data) ? plugindata.data : undefined;
  if (h.state === 'joining' && tag?.request === 'join' && msg.janus === 'event' && data) {
    if (data.videoroom === 'attached') h.state = 'joined';
    else if (data.error_code !== undefined) {
      h.state = 'idle';
      subscriberGone(h);
      if (h.room) backendRoomMissing(h.reg, h.room, h.backend, data.error_code);
    }
  }
  h.emit(msg);
  return Promise.resolve();
}

export function subscriberGone(h: VideoRoomHandle): void {
  const room = h.room;
  if (!room) return;
  h.reg.removeMember(room, h);
  if (h.backend !== '') scheduleIdleCheck(h.reg, room, h.backend);
}
