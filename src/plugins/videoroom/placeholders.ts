/** Placeholders: publishers placed by the room's owner whose Janus `joined` has not been recorded yet. */
import type { ParticipantId, RoomRecord } from '../../store/room-store.js';

/**
 * The placeholders another proxy placed (no private id, no streams: media never started, so they
 * have no copies), with the proxy that placed each; those of a dead proxy can never be finished.
 */
export function othersPlaceholders(record: RoomRecord, self: string): { id: ParticipantId; proxy: string }[] {
  return Object.values(record.participants).flatMap((p) => (
    p.privateId === undefined && p.streams.length === 0 && p.placedBy !== undefined && p.placedBy !== self ? [{ id: p.id, proxy: p.placedBy }] : []));
}
