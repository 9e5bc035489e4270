/**
 * `GET /rooms`: the cluster's VideoRoom rooms as the shared room store holds them, each with the
 * Janus servers it spans and every participant: where it joined (its origin Janus), whether it
 * publishes, and the Janus servers its stream copies are on. With the Janus Admin API's requests,
 * also the AudioBridge and TextRoom rooms every backend lists (backend-rooms.ts); `?plugin=` narrows.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AdminContext } from '../context.js';
import type { RoomRecord, RoomStore } from '../../store/room-store.js';
import { HttpError } from '../errors.js';
import { validate } from '../validate.js';
import type { JanusAdminRequests } from '../../janus-admin/requests.js';
import { parseSavedState } from '../../plugins/videoroom/saved-state.js';
import { BACKEND_ROOMS, backendRooms, type BackendRoomView } from './backend-rooms.js';

export interface RoomsDeps {
  /** The VideoRoom's package name and its room store. */
  plugin: string;
  store: Pick<RoomStore, 'list'>;
  /** The Janus Admin API's requests (message_plugin to every backend): the pass-through plugins' rooms. */
  requests?: JanusAdminRequests | undefined;
  /** Plugins the cluster offers now: only those are asked about. */
  plugins?: (() => string[]) | undefined;
}

const query = z.object({ plugin: z.string().optional() });

export interface RoomView {
  plugin: string;
  room: number | string;
  description: string;
  backends: string[];
  /** The proxy that makes the room's layout changes (VideoRoom rooms shared by several proxies). */
  owner?: string;
  participants: {
    id: number | string;
    display: string | undefined;
    backend: string;
    publishing: boolean;
    streams: number;
    copies_on: string[];
    /** The proxy the participant's client is connected to (proxies sharing a store). */
    proxy?: string;
  }[];
}

export function roomView(plugin: string, r: RoomRecord): RoomView {
  return {
    plugin,
    room: r.id,
    description: r.description,
    backends: [...r.backends],
    ...(r.owner === undefined ? {} : { owner: r.owner }),
    participants: Object.values(r.participants).map((p) => ({
      id: p.id, display: p.display, backend: p.backend, publishing: p.streams.length > 0, streams: p.streams.length, copies_on: Object.keys(p.mirrors),
    })),
  };
}

/** Which proxy holds each VideoRoom participant (`room/participant` → proxy id), from the proxies' live handles. */
async function participantProxies(deps: RoomsDeps): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const byProxy = await deps.requests?.cluster?.statesByProxy(deps.plugin).catch(() => undefined);
  for (const [proxy, states] of byProxy ?? []) {
    for (const state of states) {
      const saved = parseSavedState(state);
      if (saved?.role === 'publisher' && saved.participant !== undefined) out.set(`${String(saved.room)}/${String(saved.participant)}`, proxy);
    }
  }
  return out;
}

async function videoRooms(deps: RoomsDeps): Promise<RoomView[]> {
  try {
    const [records, proxies] = await Promise.all([deps.store.list(), participantProxies(deps)]);
    return records.map((r) => {
      const view = roomView(deps.plugin, r);
      for (const p of view.participants) {
        const proxy = proxies.get(`${String(r.id)}/${String(p.id)}`);
        if (proxy !== undefined) p.proxy = proxy;
      }
      return view;
    });
  } catch (err) {
    throw new HttpError(503, `The room store cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function roomRoutes(app: FastifyInstance, ctx: AdminContext, deps: RoomsDeps): void {
  app.get('/rooms', { preHandler: ctx.adminOnly }, async (request) => {
    const { plugin } = validate(query, request.query);
    const offered = new Set(deps.plugins?.() ?? []);
    const wanted = (name: string): boolean => plugin === undefined || plugin === name;
    const errors: Record<string, string> = {};
    const rooms: (RoomView | BackendRoomView)[] = wanted(deps.plugin) ? await videoRooms(deps) : [];
    const { requests } = deps;
    if (requests) {
      const names = Object.keys(BACKEND_ROOMS).filter((name) => offered.has(name) && wanted(name));
      rooms.push(...(await Promise.all(names.map((name) => backendRooms(requests, name, errors)))).flat());
    }
    return { rooms, errors };
  });
}
