/** `janus.plugin.videocall`: both users of a call on the one backend chosen for it, across proxies. */
import type { Logger } from 'pino';
import type { MessageBus } from '../../store/bus.js';
import type { UserStore } from '../../store/user-store.js';
import type { ProxyPlugin } from '../plugin.js';
import { VIDEOCALL_PLUGIN } from './backend-leg.js';
import type { CallHub } from './call-handle.js';
import { PeerLink } from './peer-link.js';
import { UserDirectory } from './user-directory.js';
import { VideoCallHandle } from './videocall-handle.js';

export { VIDEOCALL_PLUGIN } from './backend-leg.js';

/** What a call plugin needs from the proxy: the shared user registry and the bus to other proxies. */
export interface CallPluginDeps {
  users: UserStore;
  bus: MessageBus;
  logger: Logger;
}

/** One hub per plugin and proxy; `namespace` keeps each plugin's usernames apart, as in Janus. */
export function createCallHub(plugin: string, namespace: string, deps: CallPluginDeps): CallHub {
  const logger = deps.logger.child({ plugin });
  return {
    plugin,
    directory: new UserDirectory(deps.users, namespace, logger),
    link: new PeerLink(deps.bus, plugin, logger),
  };
}

export function videocallPlugin(deps: CallPluginDeps): ProxyPlugin {
  const hub = createCallHub(VIDEOCALL_PLUGIN, 'videocall', deps);
  return {
    name: VIDEOCALL_PLUGIN,
    createHandle: (ctx) => Promise.resolve(new VideoCallHandle(ctx, hub)),
    restore: (ctx, input) => VideoCallHandle.restore(ctx, hub, input),
  };
}
