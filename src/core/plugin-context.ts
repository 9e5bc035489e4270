/** The PluginContext a plugin handle sees, and the durable record of a handle (decision 11). */
import { LazyLogger } from '../logging.js';
import type { Level, Logger } from 'pino';
import type { PluginContext } from '../plugins/plugin.js';
import type { Cluster, Placement } from '../cluster/cluster.js';
import type { Backend } from '../cluster/backend.js';
import type { BackendSession } from '../backend/backend-session.js';
import type { JsonObject, OutgoingMessage } from '../protocol/messages.js';
import type { RelayedEvent } from '../protocol/relayed-event.js';
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

/**
 * A class rather than an object of closures: a relayed event reaches `emit` through a method on
 * the prototype (inlined where it is called) and one small object holding the handle and the
 * session, not a closure and its context per method and handle.
 */
class HandleContext implements PluginContext {
  readonly plugin: string;
  readonly opaqueId: string | undefined;
  private readonly log: LazyLogger;

  constructor(
    private readonly session: Session,
    private readonly handle: Handle,
    private readonly deps: PluginContextDeps,
  ) {
    this.plugin = handle.plugin;
    this.opaqueId = handle.opaqueId;
    this.log = new LazyLogger(session.log, { handle: handle.id, plugin: handle.plugin });
  }

  get logger(): Logger {
    return this.log.logger;
  }

  logs(level: Level): boolean {
    return this.log.enabled(level);
  }

  emit(event: OutgoingMessage): void {
    if (!this.handle.detached) this.session.emit(this.handle.id, event);
  }

  emitRelayed(event: RelayedEvent, transaction: string | undefined): void {
    if (!this.handle.detached) this.session.emitRelayed(this.handle.idText, event, transaction);
  }

  ended(): void {
    const { handle, session } = this;
    if (handle.detached) return;
    handle.detached = true;
    session.handles.delete(handle.id);
    this.deps.records?.removeHandle(session.id, handle.id);
    session.emit(handle.id, { janus: 'detached' });
  }

  place(plugin: string, exclude?: ReadonlySet<string>): Placement | undefined {
    return this.deps.cluster.place(plugin, this.session.locality, exclude);
  }

  placeOn(backend: string, plugin: string): Placement | undefined {
    return this.deps.cluster.placeOn(backend, plugin);
  }

  backendSession(backend: Backend): BackendSession {
    return this.session.backendSession(backend);
  }

  save(state: JsonObject): void {
    const { handle, session } = this;
    handle.pluginState = state;
    // Only once attached: the attach itself writes the first record.
    if (session.handles.get(handle.id) === handle) this.deps.records?.putHandle(session.id, handleRecord(handle));
  }
}

export function pluginContext(session: Session, handle: Handle, deps: PluginContextDeps): PluginContext {
  return new HandleContext(session, handle, deps);
}
