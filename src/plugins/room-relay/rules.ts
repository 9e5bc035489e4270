/**
 * Pass-through routing rules, as pure functions: how a room-routed plugin's request is placed
 * (fan out a `list`, go to the room's backend, or stay on the handle's own backend) and how the
 * replies of a fanned-out `list` merge. Janus 1.1.2 request names (AudioBridge, Streaming, TextRoom).
 */
import { isJsonObject, type JsonObject } from '../../protocol/messages.js';

export const AUDIOBRIDGE_PLUGIN = 'janus.plugin.audiobridge';
export const STREAMING_PLUGIN = 'janus.plugin.streaming';
export const TEXTROOM_PLUGIN = 'janus.plugin.textroom';

export const ROUTING_RULES = ['any', 'room'] as const;
export type RoutingRule = (typeof ROUTING_RULES)[number];

/** The pass-through plugins' rules when the config names none. */
export const DEFAULT_ROUTING: Readonly<Record<string, RoutingRule>> = {
  [AUDIOBRIDGE_PLUGIN]: 'room',
  [TEXTROOM_PLUGIN]: 'room',
  [STREAMING_PLUGIN]: 'room',
};

export function routingOf(plugin: string, configured: Readonly<Record<string, RoutingRule>>): RoutingRule {
  return configured[plugin] ?? DEFAULT_ROUTING[plugin] ?? 'any';
}

/** What the proxy knows of one room-routed plugin's API. */
export interface RoomApi {
  /** The body field naming the room (`id` for Streaming mountpoints). */
  readonly roomKey: string;
  /** The plugin name inside its own replies (`{"audiobridge": "created"}`). */
  readonly label: string;
  /**
   * Whether a room first seen in a request other than `create` is pinned to the backend that
   * served it (AudioBridge/TextRoom rooms configured on every backend: everyone must meet on one).
   * Streaming mountpoints configured on every backend are mirrors: each viewer may go anywhere.
   */
  readonly pinUnknown: boolean;
  /** Requests Janus answers at once (`success`); they may go to another backend than the handle's. */
  readonly sync: ReadonlySet<string>;
  /** The error code Janus uses for a failure of its own (`*_ERROR_UNKNOWN_ERROR`: Streaming 470, not its 450 NO_MESSAGE). */
  readonly unknownErrorCode: number;
  /**
   * How to ask a backend whether it holds a room: a sync request naming only the room, and the
   * error codes of its answer that mean "not here" (no such room, or a room id of a type this Janus
   * never accepts). None for a plugin whose API the proxy does not know.
   */
  readonly probe?: { readonly request: string; readonly absentCodes: ReadonlySet<number> };
}

const API: Readonly<Record<string, RoomApi>> = {
  [AUDIOBRIDGE_PLUGIN]: {
    roomKey: 'room',
    label: 'audiobridge',
    pinUnknown: true,
    unknownErrorCode: 499,
    probe: { request: 'exists', absentCodes: new Set([484]) },
    sync: new Set([
      'create', 'edit', 'destroy', 'list', 'exists', 'allowed', 'kick', 'kick_all', 'mute', 'unmute', 'mute_room',
      'unmute_room', 'suspend', 'resume', 'listparticipants', 'resetdecoder', 'rtp_forward', 'stop_rtp_forward',
      'listforwarders', 'enable_recording', 'enable_mjrs', 'play_file', 'is_playing', 'stop_file', 'stop_all_files',
      'listannouncements',
    ]),
  },
  [STREAMING_PLUGIN]: {
    roomKey: 'id',
    label: 'streaming',
    pinUnknown: false,
    unknownErrorCode: 470,
    probe: { request: 'info', absentCodes: new Set([454, 455]) },
    sync: new Set(['list', 'info', 'create', 'edit', 'destroy', 'recording', 'enable', 'disable', 'kick', 'kick_all']),
  },
  [TEXTROOM_PLUGIN]: {
    roomKey: 'room',
    label: 'textroom',
    pinUnknown: true,
    unknownErrorCode: 499,
    probe: { request: 'exists', absentCodes: new Set([414]) },
    sync: new Set(['list', 'exists', 'create', 'edit', 'destroy', 'announcement', 'allowed', 'kick', 'listparticipants']),
  },
};

/** A plugin without a known API: rooms in `room`, every request stays on the handle's backend. */
const GENERIC_API: RoomApi = { roomKey: 'room', label: 'plugin', pinUnknown: true, unknownErrorCode: 490, sync: new Set() };

export function roomApiOf(plugin: string): RoomApi {
  return API[plugin] ?? { ...GENERIC_API, label: plugin.replace(/^janus\.plugin\./, '') };
}

export type { RoomKey } from '../../store/room-routes.js';
import type { RoomKey } from '../../store/room-routes.js';

/** How one client request travels. */
export type Route =
  /** Sync `list`: asked of every backend, the answers merged. */
  | { kind: 'list' }
  /** Names a room: goes to the room's backend. */
  | { kind: 'room'; request: string; room: RoomKey; sync: boolean }
  /** `create` without a room id: the selection pipeline picks the backend; the reply names the room. */
  | { kind: 'create'; request: string }
  /** Anything else: the handle's own backend. */
  | { kind: 'home'; request: string; sync: boolean };

function roomOf(body: JsonObject, key: string): RoomKey | undefined {
  const room = body[key];
  if (typeof room === 'string' && room !== '') return room;
  if (typeof room === 'number' && Number.isSafeInteger(room)) return room;
  return undefined;
}

export function routeOf(api: RoomApi, body: JsonObject): Route {
  const request = typeof body.request === 'string' ? body.request.toLowerCase() : '';
  const sync = api.sync.has(request);
  if (request === 'list' && sync) return { kind: 'list' };
  const room = roomOf(body, api.roomKey);
  if (room !== undefined) return { kind: 'room', request, room, sync };
  if (request === 'create' && sync) return { kind: 'create', request };
  return { kind: 'home', request, sync };
}

/** The plugin's own data of a reply or event (`plugindata.data`), if any. */
export function pluginData(msg: JsonObject): JsonObject | undefined {
  const plugindata = msg.plugindata;
  if (!isJsonObject(plugindata)) return undefined;
  return isJsonObject(plugindata.data) ? plugindata.data : undefined;
}

export function isPluginError(data: JsonObject | undefined): boolean {
  return data === undefined || data.error_code !== undefined || data.error !== undefined;
}

/** The room a successful `create` reply names. */
export function createdRoom(api: RoomApi, data: JsonObject | undefined): RoomKey | undefined {
  if (data === undefined || isPluginError(data)) return undefined;
  const fromReply = roomOf(data, api.roomKey);
  if (fromReply !== undefined) return fromReply;
  // Streaming's `create` answers `{"streaming":"created","stream":{"id":…}}`.
  const stream = data.stream;
  return isJsonObject(stream) ? roomOf(stream, 'id') : undefined;
}

/** The probe request asking a backend whether it holds `room` (undefined: the API has none). */
export function probeBody(api: RoomApi, room: RoomKey): JsonObject | undefined {
  return api.probe ? { request: api.probe.request, [api.roomKey]: room } : undefined;
}

/** What a probe's answer says: the room is there (true), is not (false), or it cannot tell (undefined). */
export function probedPresence(api: RoomApi, data: JsonObject | undefined): boolean | undefined {
  if (data === undefined || api.probe === undefined) return undefined;
  if (isPluginError(data)) return typeof data.error_code === 'number' && api.probe.absentCodes.has(data.error_code) ? false : undefined;
  if (typeof data.exists === 'boolean') return data.exists; // `exists`
  return isJsonObject(data.info) ? true : undefined; // Streaming's `info`
}

/**
 * Merges the `list` replies of several backends (in order of preference): the first successful
 * reply's data with the union of the lists, one entry per room id. `preferred(room)` names the
 * backend whose entry wins for a room (the one the room is routed to).
 */
export function mergeLists(
  api: RoomApi,
  replies: readonly { backend: string; data: JsonObject | undefined }[],
  preferred: (room: RoomKey) => string | undefined,
): JsonObject | undefined {
  const ok = replies.filter((r) => !isPluginError(r.data) && Array.isArray(r.data?.list));
  const base = ok[0]?.data ?? replies[0]?.data;
  if (base === undefined || ok.length === 0) return base;
  const chosen = new Map<string, { backend: string; entry: JsonObject }>();
  const order: string[] = [];
  for (const { backend, data } of ok) {
    for (const entry of (data?.list ?? []) as unknown[]) {
      if (!isJsonObject(entry)) continue;
      const room = roomOf(entry, api.roomKey === 'room' ? 'room' : 'id');
      if (room === undefined) continue;
      const key = `${typeof room}:${String(room)}`;
      const seen = chosen.get(key);
      if (!seen) order.push(key);
      if (!seen || (seen.backend !== preferred(room) && backend === preferred(room))) chosen.set(key, { backend, entry });
    }
  }
  return { ...base, list: order.map((k) => chosen.get(k)?.entry ?? {}) };
}
