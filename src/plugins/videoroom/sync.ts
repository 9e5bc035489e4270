/**
 * The synchronous VideoRoom requests (answered inside Janus's `success` envelope, errors included),
 * served room-wide by the proxy whatever the handle has joined.
 */
import type { JsonObject } from '../../protocol/messages.js';
import { asVideoRoomError, VideoRoomCode as C, VideoRoomError } from './errors.js';
import { create, destroy, edit, exists, list } from './sync-rooms.js';
import { allowed, enableRecording, kick, moderate } from './sync-moderation.js';
import { listForwarders, listParticipants, rtpForward, stopRtpForward } from './sync-participants.js';
import type { RoomRegistry } from './rooms.js';
import { ADOPTED_MANAGEMENT, manageAdopted } from './config-rooms.js';

type SyncRequest = (reg: RoomRegistry, body: JsonObject) => Promise<JsonObject>;

const SYNC_REQUESTS: Readonly<Record<string, SyncRequest>> = {
  create,
  edit,
  destroy,
  exists,
  list,
  allowed,
  kick,
  moderate,
  enable_recording: enableRecording,
  listparticipants: listParticipants,
  listforwarders: listForwarders,
  rtp_forward: rtpForward,
  stop_rtp_forward: stopRtpForward,
};

/** The remote-publisher requests are the proxy's own tool for cascading; clients do not get to steer them. */
const CASCADE_REQUESTS = new Set([
  'publish_remotely', 'unpublish_remotely', 'listremotes', 'add_remote_publisher', 'update_remote_publisher', 'remove_remote_publisher',
]);

export const ASYNC_REQUESTS = new Set([
  'join', 'joinandconfigure', 'configure', 'publish', 'unpublish', 'start', 'pause', 'switch', 'subscribe', 'unsubscribe', 'update', 'leave',
]);

export function isSyncRequest(name: string): boolean {
  return Object.hasOwn(SYNC_REQUESTS, name);
}

/** Serves a synchronous request; resolves with the plugin data (a VideoRoom error's too). */
export async function serveSync(reg: RoomRegistry, name: string, body: JsonObject): Promise<JsonObject> {
  const request = SYNC_REQUESTS[name];
  try {
    if (!request) {
      const reason = CASCADE_REQUESTS.has(name) ? `Unsupported request '${name}' (used by the cluster)` : `Unknown request '${name}'`;
      throw new VideoRoomError(C.INVALID_REQUEST, reason);
    }
    const room = ADOPTED_MANAGEMENT.has(name) && (typeof body.room === 'number' || typeof body.room === 'string')
      ? await reg.get(body.room) : undefined;
    if (room?.record.adopted === true && !room.destroyed) return await manageAdopted(reg, room, body);
    return await request(reg, body);
  } catch (err) {
    return asVideoRoomError(err).data;
  }
}
