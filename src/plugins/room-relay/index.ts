/**
 * Pass-through plugins by routing rule: `any` handles are relays placed at attach (RelayHandle);
 * `room` handles follow the rooms they name (RoomRelayHandle).
 */
import type { ProxyPlugin } from '../plugin.js';
import { relayPlugin } from '../relay.js';
import { RoomRelayHandle, type RoomRelayDeps } from './handle.js';
import { roomApiOf, routingOf, type RoutingRule } from './rules.js';
import { MemoryRoomRoutes, type RoomRoutes } from './routes.js';

export { MemoryRoomRoutes, type RoomRoutes } from './routes.js';
export { DEFAULT_ROUTING, ROUTING_RULES, type RoutingRule } from './rules.js';

export interface PassthroughOptions {
  /** Routing rule per Janus package name (merged over DEFAULT_ROUTING). */
  routing: Readonly<Record<string, RoutingRule>>;
  /** Per plugin: the backend a handle goes to when it names no room before it needs one. */
  homeBackends: Readonly<Record<string, string>>;
  /** Names of every known backend. */
  backends: () => readonly string[];
  routes?: RoomRoutes;
}

export function roomRelayPlugin(name: string, deps: Omit<RoomRelayDeps, 'home'>): ProxyPlugin {
  const api = roomApiOf(name);
  const full: RoomRelayDeps = { ...deps, home: { current: undefined } };
  return {
    name,
    createHandle: (ctx) => Promise.resolve(new RoomRelayHandle(ctx, api, full)),
    restore: (ctx, input) => Promise.resolve(RoomRelayHandle.restore(ctx, api, full, input)),
  };
}

/** The factory of pass-through plugins the registry uses for plugins without a cluster-aware module. */
export function passthroughFactory(options: PassthroughOptions): (name: string) => ProxyPlugin {
  const routes = options.routes ?? new MemoryRoomRoutes();
  return (name) =>
    routingOf(name, options.routing) === 'room'
      ? roomRelayPlugin(name, { routes, backends: options.backends, homeBackend: options.homeBackends[name] })
      : relayPlugin(name);
}
