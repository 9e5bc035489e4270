/**
 * `GET /rooms`: the cluster's VideoRoom rooms as the shared room store holds them, each with the
 * Janus servers it spans and every participant: where it joined (its origin Janus), whether it
 * publishes, and the Janus servers its stream copies are on.
 */
import type { FastifyInstance } from 'fastify';
import type { AdminContext } from '../context.js';
import type { RoomRecord, RoomStore } from '../../store/room-store.js';
import { HttpError } from '../errors.js';

export interface RoomView {
  plugin: string;
  room: number | string;
  description: string;
  backends: string[];
  participants: {
    id: number | string;
    display: string | undefined;
    backend: string;
    publishing: boolean;
    streams: number;
    copies_on: string[];
  }[];
}

export function roomView(plugin: string, r: RoomRecord): RoomView {
  return {
    plugin,
    room: r.id,
    description: r.description,
    backends: [...r.backends],
    participants: Object.values(r.participants).map((p) => ({
      id: p.id, display: p.display, backend: p.backend, publishing: p.streams.length > 0, streams: p.streams.length, copies_on: Object.keys(p.mirrors),
    })),
  };
}

export function roomRoutes(app: FastifyInstance, ctx: AdminContext, plugin: string, store: Pick<RoomStore, 'list'>): void {
  app.get('/rooms', { preHandler: ctx.adminOnly }, async () => {
    try {
      return { rooms: (await store.list()).map((r) => roomView(plugin, r)) };
    } catch (err) {
      throw new HttpError(503, `The room store cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}
