/**
 * Rooms of the pass-through room plugins (AudioBridge, TextRoom) for `GET /rooms`: they live on one
 * Janus or several (config-file rooms exist on each), so every backend is asked through the Janus
 * Admin API's message_plugin (`list`, then `listparticipants`), and each room is listed once with the
 * backends that hold it and each participant with the backend it is on. A backend that cannot be
 * asked is named in `errors` instead of failing the listing.
 */
import { isJsonObject, type JsonObject } from '../../protocol/messages.js';
import type { JanusAdminRequests } from '../../janus-admin/requests.js';

/** Each plugin's participant id key, and what its requests must carry (TextRoom wants a `transaction` of its own). */
export const BACKEND_ROOMS: Record<string, { idKey: string; extra: JsonObject }> = {
  'janus.plugin.audiobridge': { idKey: 'id', extra: {} },
  'janus.plugin.textroom': { idKey: 'username', extra: { transaction: 'rest-rooms' } },
};

export interface BackendRoomView {
  plugin: string;
  room: number | string;
  description: string;
  backends: string[];
  participants: JsonObject[];
}

/** A synchronous plugin request on every backend (or one): each backend's answer. */
async function ask(requests: JanusAdminRequests, plugin: string, request: JsonObject, backend?: string): Promise<Record<string, JsonObject>> {
  const reply = await requests.handle({ janus: 'message_plugin', transaction: 'rest-rooms', plugin, request, ...(backend ? { backend } : {}) }, true);
  if (reply.janus !== 'success') return backend ? { [backend]: { error: reply.error ?? null } } : {};
  if (backend) return { [backend]: reply };
  return isJsonObject(reply.backends) ? (reply.backends as Record<string, JsonObject>) : {};
}

function roomIdOf(entry: unknown): number | string | undefined {
  if (!isJsonObject(entry)) return undefined;
  return typeof entry.room === 'number' || typeof entry.room === 'string' ? entry.room : undefined;
}

/** One plugin's rooms on every backend, merged by room id; failures go to `errors` by `<backend>/<plugin>`. */
export async function backendRooms(requests: JanusAdminRequests, plugin: string, errors: Record<string, string>): Promise<BackendRoomView[]> {
  const { idKey, extra } = BACKEND_ROOMS[plugin] ?? { idKey: 'id', extra: {} };
  const rooms = new Map<string, BackendRoomView>();
  const fetches: Promise<void>[] = [];
  for (const [backend, answer] of Object.entries(await ask(requests, plugin, { request: 'list', ...extra }))) {
    const response = isJsonObject(answer.response) ? answer.response : undefined;
    if (!response || !Array.isArray(response.list)) {
      errors[`${backend}/${plugin}`] = JSON.stringify(answer.error ?? response ?? answer);
      continue;
    }
    for (const entry of response.list) {
      const room = roomIdOf(entry);
      if (room === undefined || !isJsonObject(entry)) continue;
      const key = `${typeof room}:${String(room)}`;
      const view = rooms.get(key) ?? { plugin, room, description: typeof entry.description === 'string' ? entry.description : '', backends: [], participants: [] };
      rooms.set(key, view);
      view.backends.push(backend);
      if (entry.num_participants === 0) continue;
      fetches.push(ask(requests, plugin, { request: 'listparticipants', room, ...extra }, backend).then((answers) => {
        const listed = answers[backend]?.response;
        if (!isJsonObject(listed) || !Array.isArray(listed.participants)) return;
        for (const p of listed.participants) if (isJsonObject(p)) view.participants.push({ ...p, id: p[idKey] ?? null, backend });
      }));
    }
  }
  await Promise.all(fetches);
  for (const view of rooms.values()) view.backends.sort();
  return [...rooms.values()];
}
