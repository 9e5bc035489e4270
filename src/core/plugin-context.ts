/** The PluginContext a plugin handle sees, and the durable record of a handle (decision 11). */
import { LazyLogger } from '../logging.js';
import type { PluginContext } from '../plugins/plugin.js';
import type { Cluster } from '../cluster/cluster.js';
import type { HandleRecord, SessionStore } from '../store/session-store.js';
import type { Session } from './session.js';
import type { Handle } from './handle.js';

export interface PluginContextDeps {
  cluster: Cluster;
  records?: SessionStore | undefined;
}

/** The handle's record as it stands: plugin, backend ids and the plugin's own state. */
export function handleRecord(handle: Handle): HandleRecord {
  const where = handle.pluginHandle?.location?.();
  return {
    id: handle.id,
    plugin: handle.plugin,
    opaque_id: handle.opaqueId,
    backend: where?.backend,
    backend_session: where?.backendSession,
    backend_handle: where?.backendHandle,
    plugin_state: handle.pluginState,
  };
}

export function pluginContext(session: Session, handle: Handle, deps: PluginContextDeps): PluginContext {
  const log = new LazyLogger(session.log, { handle: handle.id, plugin: handle.plugin });
  return {
    plugin: handle.plugin,
    opaqueId: handle.opaqueId,
    get logger() {
      return log.logger;
    },
    logs: (level) => log.enabled(level),
    emit: (event) => {
      if (!handle.detached) session.emit(handle.id, event);
    },
    ended: () => {
      if (handle.detached) return;
      handle.detached = true;
      session.handles.delete(handle.id);
      deps.records?.removeHandle(session.id, handle.id);
      session.emit(handle.id, { janus: 'detached' });
    },
    place: (plugin, exclude) => deps.cluster.place(plugin, session.locality, exclude),
    placeOn: (backend, plugin) => deps.cluster.placeOn(backend, plugin),
    backendSession: (backend) => session.backendSession(backend),
    save: (state) => {
      handle.pluginState = state;
      // Only once attached: the attach itself writes the first record.
      if (session.handles.get(handle.id) === handle) deps.records?.putHandle(session.id, handleRecord(handle));
    },
  };
}
