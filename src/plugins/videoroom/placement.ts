/**
 * Where a VideoRoom participant goes, as pure functions over a snapshot of the room: publishers fill
 * the room's fullest backend still under the threshold; subscribers follow their own publisher.
 */

export interface RoomBackendLoad {
  name: string;
  /** Participants of this room on the backend. */
  participants: number;
  /** Handles on the backend overall (any room, any plugin), as the cluster sees them. */
  handles: number;
  /** Connected and accepting new handles. */
  usable: boolean;
}

/**
 * The room backend a new publisher joins: the one with the most participants still under the
 * threshold (filling backends one after the other keeps small rooms on one Janus). Undefined
 * when every usable backend of the room is full: the room then opens on another backend.
 */
export function publisherBackend(room: readonly RoomBackendLoad[], threshold: number): string | undefined {
  let best: RoomBackendLoad | undefined;
  for (const b of room) {
    if (!b.usable || b.participants >= threshold) continue;
    if (!best || b.participants > best.participants || (b.participants === best.participants && b.handles < best.handles)) best = b;
  }
  return best?.name;
}

/** When no other backend can be opened: the least-filled usable room backend, over the threshold. */
export function overflowBackend(room: readonly RoomBackendLoad[]): string | undefined {
  let best: RoomBackendLoad | undefined;
  for (const b of room) {
    if (!b.usable) continue;
    if (!best || b.participants < best.participants) best = b;
  }
  return best?.name;
}

/**
 * A subscriber without a publisher of its own here: the usable room backend that has the most of
 * its feeds (`feeds`: how many of them are there, as origin or copy), then the fewest handles.
 */
export function subscriberBackend(room: readonly (RoomBackendLoad & { feeds?: number })[]): string | undefined {
  let best: (RoomBackendLoad & { feeds?: number }) | undefined;
  for (const b of room) {
    if (!b.usable) continue;
    const more = (b.feeds ?? 0) - (best?.feeds ?? 0);
    if (!best || more > 0 || (more === 0 && b.handles < best.handles)) best = b;
  }
  return best?.name;
}
