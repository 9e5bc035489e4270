/** `janus.plugin.p2pcall`: the VideoCall API between browsers that connect directly, with no backend. */
import type { ProxyPlugin } from '../plugin.js';
import { createCallHub, type CallPluginDeps } from '../videocall/index.js';
import { P2pCallHandle } from './p2pcall-handle.js';

export const P2PCALL_PLUGIN = 'janus.plugin.p2pcall';

/** How `info` lists the plugin, in the shape Janus uses for its own plugins. */
const P2PCALL_INFO = {
  name: 'JANUS P2P Call plugin',
  author: 'Janus Cloud',
  description: 'The VideoCall API for peer-to-peer calls: the proxy relays SDP and candidates, media goes browser to browser.',
  version_string: '0.0.1',
  version: 1,
};

export function p2pcallPlugin(deps: CallPluginDeps): ProxyPlugin {
  const hub = createCallHub(P2PCALL_PLUGIN, 'p2pcall', deps);
  return {
    name: P2PCALL_PLUGIN,
    standalone: P2PCALL_INFO,
    createHandle: (ctx) => Promise.resolve(new P2pCallHandle(ctx, hub)),
    restore: (ctx, input) => P2pCallHandle.restore(ctx, hub, input),
  };
}
