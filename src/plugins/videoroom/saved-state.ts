/**
 * A VideoRoom handle's durable state (decision 11): the room, role and participant id once joined,
 * and whether the publisher's PeerConnection is up. Written with the handle's session record on
 * these changes only, read back when a session take-over restores the handle on another proxy.
 */
import type { JsonObject } from '../../protocol/messages.js';
import type { ParticipantId, RoomId } from '../../store/room-store.js';

export interface SavedVideoRoomState {
  readonly room: RoomId;
  readonly role: 'publisher' | 'subscriber';
  readonly participant: ParticipantId | undefined;
  readonly mediaUp: boolean;
}

function isId(value: unknown): value is RoomId {
  return typeof value === 'number' || typeof value === 'string';
}

export function savedState(state: SavedVideoRoomState | undefined): JsonObject {
  if (!state) return {};
  const saved: JsonObject = { room: state.room, role: state.role, media_up: state.mediaUp };
  if (state.participant !== undefined) saved.participant = state.participant;
  return saved;
}

/** The saved state of a joined handle, or undefined (not joined, or not a record this module wrote). */
export function parseSavedState(state: JsonObject | undefined): SavedVideoRoomState | undefined {
  if (!state || !isId(state.room)) return undefined;
  const role = state.role === 'publisher' || state.role === 'subscriber' ? state.role : undefined;
  if (role === undefined) return undefined;
  return { room: state.room, role, participant: isId(state.participant) ? state.participant : undefined, mediaUp: state.media_up === true };
}
