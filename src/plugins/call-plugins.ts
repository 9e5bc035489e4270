/** The call plugins, which share the user registry and the bus between proxies. */
import type { ProxyPlugin } from './plugin.js';
import { p2pcallPlugin } from './p2pcall/index.js';
import { videocallPlugin, type CallPluginDeps } from './videocall/index.js';

export function callPlugins(deps: CallPluginDeps): ProxyPlugin[] {
  return [videocallPlugin(deps), p2pcallPlugin(deps)];
}
