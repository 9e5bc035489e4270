/**
 * Which proxy plugin serves a Janus package name: a cluster-aware module when there is one, else
 * the pass-through relay for any plugin the backends offer.
 */
import type { ProxyPlugin } from './plugin.js';
import type { JsonObject } from '../protocol/messages.js';
import { relayPlugin } from './relay.js';
import { echotestPlugin } from './echotest.js';

export class PluginRegistry {
  private readonly modules = new Map<string, ProxyPlugin>();
  private readonly passthrough = new Map<string, ProxyPlugin>();

  /** `passthrough`: the plugin serving a name without a module (by its routing rule; default: relay). */
  constructor(
    modules: readonly ProxyPlugin[] = [echotestPlugin],
    private readonly makePassthrough: (name: string) => ProxyPlugin = relayPlugin,
  ) {
    for (const module of modules) this.modules.set(module.name, module);
  }

  /** The plugins served without any backend, with their `info` descriptions. */
  standalone(): Record<string, JsonObject> {
    const out: Record<string, JsonObject> = {};
    for (const module of this.modules.values()) if (module.standalone) out[module.name] = module.standalone;
    return out;
  }

  /**
   * The plugin for `name`, or undefined when no connected backend offers it (Janus's "No such
   * plugin"), unless a module serves it without any backend (p2pcall).
   */
  resolve(name: string, offeredByBackends: (name: string) => boolean): ProxyPlugin | undefined {
    const module = this.modules.get(name);
    if (module?.standalone) return module;
    if (!offeredByBackends(name)) return undefined;
    if (module) return module;
    let relay = this.passthrough.get(name);
    if (!relay) {
      relay = this.makePassthrough(name);
      this.passthrough.set(name, relay);
    }
    return relay;
  }
}
