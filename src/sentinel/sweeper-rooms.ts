/**
 * The room requests of the plugins the sweeper knows (videoroom, audiobridge): list the rooms,
 * tell whether one has real participants, destroy one. Both plugins answer these synchronously.
 */
import { isJsonObject, type JsonObject } from '../protocol/messages.js';
import type { JanusApiSession } from './janus-api-session.js';
import type { AdminClient } from './admin-client.js';

export type SweptPlugin = 'videoroom' | 'audiobridge';
export type RoomId = number | string;

export interface RoomSummary {
  room: RoomId;
  description: string;
  numParticipants: number;
}

export const PLUGIN_PACKAGES: Readonly<Record<SweptPlugin, string>> = {
  videoroom: 'janus.plugin.videoroom',
  audiobridge: 'janus.plugin.audiobridge',
};

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

function roomIdOf(value: unknown): RoomId | undefined {
  return typeof value === 'number' || typeof value === 'string' ? value : undefined;
}

/** Every room the handle can see; `admin_key` also shows private rooms. */
export async function listRooms(session: JanusApiSession, handleId: number, adminKey: string | undefined): Promise<RoomSummary[]> {
  const data = await session.message(handleId, adminKey === undefined ? { request: 'list' } : { request: 'list', admin_key: adminKey });
  const rooms: RoomSummary[] = [];
  for (const entry of objects(data.list)) {
    const room = roomIdOf(entry.room);
    if (room === undefined) continue;
    rooms.push({
      room,
      description: typeof entry.description === 'string' ? entry.description : '',
      numParticipants: typeof entry.num_participants === 'number' ? entry.num_participants : 0,
    });
  }
  return rooms;
}

/**
 * Whether someone real is in the room. Videoroom placeholders do not count: dummy publishers, and
 * remote publishers (mirrors of publishers on other Janus servers, whose own room keeps them alive).
 */
export async function hasRealParticipants(session: JanusApiSession, handleId: number, plugin: SweptPlugin, room: RoomId): Promise<boolean> {
  const data = await session.message(handleId, { request: 'listparticipants', room });
  const participants = objects(data.participants);
  if (plugin === 'audiobridge') return participants.length > 0;
  return participants.some((p) => p.dummy !== true && p.remote !== true);
}

export async function destroyRoom(session: JanusApiSession, handleId: number, room: RoomId, secret: string | undefined): Promise<void> {
  const body: JsonObject = { request: 'destroy', room, permanent: false };
  if (secret !== undefined) body.secret = secret;
  await session.message(handleId, body);
}

/**
 * Whether a handle on this Janus is in `room`, by the Admin API's `handle_info` of every handle.
 * VideoRoom lists publishers only: a room whose publishers are all remote (the mirror of a room
 * whose publishers are on other Janus servers) can still serve subscribers placed here. Costly on a
 * busy Janus, so asked only before a destroy. A handle gone meanwhile is skipped.
 */
export async function roomHasHandles(admin: AdminClient, pluginPackage: string, room: RoomId, ownSessions: ReadonlySet<number>): Promise<boolean> {
  for (const sessionId of await admin.listSessions()) {
    if (ownSessions.has(sessionId)) continue;
    for (const handleId of await admin.listHandles(sessionId).catch(() => [])) {
      const info = await admin.handleInfo(sessionId, handleId).catch((): JsonObject => ({}));
      if (info.plugin !== pluginPackage || !isJsonObject(info.plugin_specific)) continue;
      if (String(info.plugin_specific.room) === String(room)) return true;
    }
  }
  return false;
}
