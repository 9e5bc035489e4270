/**
 * The route a `create` naming a new room claims before Janus has the room (so that creates of one
 * room through several proxies at once meet on one backend), and its release when Janus rejects the
 * create: a route to a room that was never made would send every later request about it, and a
 * later create of it, to that backend.
 */
import type { Logger } from 'pino';
import type { JsonObject } from '../../protocol/messages.js';
import type { RoomRoutes } from './routes.js';
import { probeBody, probedPresence, type RoomApi, type RoomKey } from './rules.js';

export interface RoomClaim {
  readonly room: RoomKey;
  readonly backend: string;
  /**
   * This create pinned the route (none was there and the store took its backend). With a shared
   * store another proxy may have pinned the same backend a moment earlier, which looks the same:
   * hence the probe before any release.
   */
  readonly claimed: boolean;
}

/** Pins `room` to `candidate` unless it is pinned already; says which backend holds the pin. */
export async function claimRoom(routes: RoomRoutes, plugin: string, room: RoomKey, candidate: string): Promise<RoomClaim> {
  const backend = await routes.claim(plugin, room, candidate);
  return { room, backend, claimed: backend === candidate };
}

/**
 * After Janus rejected the create: forgets the route this create claimed, unless the backend says
 * the room is there after all (it existed already, or a create of it through another proxy that
 * pinned the same backend won) or cannot say. A route changed meanwhile is someone else's: kept.
 * After the release the backend is asked again, so that a concurrent create that won keeps its route.
 * `ask` sends a sync request to the claim's backend and gives its plugin data (undefined: no answer).
 */
export async function releaseRejected(
  routes: RoomRoutes, plugin: string, api: RoomApi, claim: RoomClaim,
  ask: (body: JsonObject) => Promise<JsonObject | undefined>, logger: Logger,
): Promise<void> {
  const { room, backend } = claim;
  const body = probeBody(api, room);
  if (!claim.claimed || body === undefined || routes.get(plugin, room) !== backend) return;
  let present: boolean | undefined;
  try {
    present = probedPresence(api, await ask(body));
  } catch (err) {
    logger.info({ room, backend, err: err instanceof Error ? err.message : String(err) }, 'rejected create: could not ask whether the room is there; route kept');
    return;
  }
  if (present !== false || routes.get(plugin, room) !== backend) return;
  logger.info({ room, backend }, 'create rejected by Janus: the route it claimed is released');
  await routes.release(plugin, room, backend);
  // A create of the same room through another proxy that saw the same pin may have succeeded and
  // shared its route just before the release landed: asked once more, a room there gets it back.
  const again = await ask(body).then((data) => probedPresence(api, data), () => undefined);
  if (again === true) await routes.share(plugin, room, backend);
}
