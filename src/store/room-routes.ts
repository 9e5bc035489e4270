/**
 * Which backend holds each room of a room-routed pass-through plugin (AudioBridge, TextRoom,
 * created Streaming mountpoints). Recorded the first time a room is created or seen, forgotten when
 * it is destroyed or its backend is no longer usable. An interface so a shared store (Redis) can stand in.
 */
/** A room id as the plugin gives it: a number, or a string with `string_ids`. */
export type RoomKey = number | string;

export interface RoomRoutes {
  get(plugin: string, room: RoomKey): string | undefined;
  set(plugin: string, room: RoomKey, backend: string): void;
  /**
   * `set`, resolving once other proxies can read the route (a shared store has it and announced it):
   * for a room the client learns of from this proxy's reply and may use at once through another.
   * Never rejects: the local copy holds the route even when the shared store failed.
   */
  share(plugin: string, room: RoomKey, backend: string): Promise<void>;
  /**
   * Forgets the route if it still names `backend`: a proxy that found the room gone (destroyed,
   * backend unusable, create rejected) must not drop a route another proxy has moved meanwhile.
   */
  delete(plugin: string, room: RoomKey, backend: string): void;
  /** `delete`, resolving once the shared store has it (never rejects, as `share`). */
  release(plugin: string, room: RoomKey, backend: string): Promise<void>;
  /**
   * Pins `room` to `backend` unless some proxy pinned it first (atomically across proxies), and
   * gives the backend that holds the pin: two proxies creating one new room at once agree on it.
   */
  claim(plugin: string, room: RoomKey, backend: string): Promise<string>;
}

/** Room ids keep their JSON type: room 1 and room "1" are two rooms, as on a Janus with `string_ids`. */
export function routeKey(plugin: string, room: RoomKey): string {
  return `${plugin}\u0000${typeof room}:${String(room)}`;
}

export class MemoryRoomRoutes implements RoomRoutes {
  private readonly routes = new Map<string, string>();

  get(plugin: string, room: RoomKey): string | undefined {
    return this.routes.get(routeKey(plugin, room));
  }

  set(plugin: string, room: RoomKey, backend: string): void {
    this.routes.set(routeKey(plugin, room), backend);
  }

  share(plugin: string, room: RoomKey, backend: string): Promise<void> {
    this.set(plugin, room, backend);
    return Promise.resolve();
  }

  delete(plugin: string, room: RoomKey, backend: string): void {
    const key = routeKey(plugin, room);
    if (this.routes.get(key) === backend) this.routes.delete(key);
  }

  release(plugin: string, room: RoomKey, backend: string): Promise<void> {
    this.delete(plugin, room, backend);
    return Promise.resolve();
  }

  claim(plugin: string, room: RoomKey, backend: string): Promise<string> {
    const pinned = this.get(plugin, room);
    if (pinned !== undefined) return Promise.resolve(pinned);
    this.set(plugin, room, backend);
    return Promise.resolve(backend);
  }
}
