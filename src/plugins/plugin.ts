/**
 * The contract between the proxy core and a proxy plugin. A plugin registers under a Janus package
 * name and creates one PluginHandle per client attach. The core serialises calls on one handle.
 */
import type { JsonObject, OutgoingMessage } from '../protocol/messages.js';
import type { RelayedEvent } from '../protocol/relayed-event.js';
import type { Placement } from '../cluster/cluster.js';
import type { BackendSession } from '../backend/backend-session.js';
import type { BackendHandle } from '../backend/backend-handle.js';
import type { ReplyReceiver } from '../backend/pending-requests.js';
import type { Backend } from '../cluster/backend.js';
import type { Level, Logger } from 'pino';

/** What a plugin answers to a client `message`: Janus's `ack` (async) or `success` (sync). */
export type MessageReply = { janus: 'ack'; hint?: string } | { janus: 'success'; plugindata: unknown };

export interface TrickleRequest {
  candidate?: unknown;
  candidates?: unknown;
}

export interface PluginHandle {
  message(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<MessageReply>;
  /**
   * `message` without a Promise, for plugins that relay it as it is: `receiver` gets Janus's own `ack`
   * or `success` reply (the core reads `janus`, `hint` and `plugindata`) or the error, exactly once.
   * The core uses it, when present, for a message on a handle with nothing else queued.
   */
  sendMessage?(body: JsonObject, jsep: JsonObject | undefined, transaction: string, receiver: ReplyReceiver): void;
  trickle(request: TrickleRequest): Promise<void>;
  hangup(): Promise<void>;
  /** Client detach: release backend resources; the core sends `detached` afterwards. */
  detach(): Promise<void>;
  /** Session destroyed or timed out: release everything, send nothing to the client. */
  destroy(): void;
  /** The backend this handle landed on, for the admin API (undefined when it has none, e.g. p2p). */
  backendName?(): string | undefined;
  /** The Janus handle behind this one, for the Janus Admin API (handle_info, pcap) on its backend. */
  backendHandle?(): BackendHandle | undefined;
  /** Where the handle lives on its backend, for its durable record (undefined when it has no backend). */
  location?(): HandleLocation | undefined;
  /**
   * The session moved to another proxy: drop the runtime here, sending nothing to the client or the
   * backend (the new owner carries on with both). Without it, `destroy` is called.
   */
  release?(): void;
}

export interface HandleLocation {
  backend: string;
  backendSession: number;
  backendHandle: number;
}

/** A backend handle's place, as its plugin handle reports it. */
export function locationOf(backend: string, handle: BackendHandle): HandleLocation {
  return { backend, backendSession: handle.session.id, backendHandle: handle.id };
}

/** The small world a plugin handle sees. */
export interface PluginContext {
  readonly plugin: string;
  readonly opaqueId: string | undefined;
  /** The handle's logger, made on first use. */
  readonly logger: Logger;
  /** Whether `logger` would write a line at `level`; asking does not make the logger. */
  logs(level: Level): boolean;
  /** Sends an event to the client session's owner; the core fills in session_id and sender. */
  emit(event: OutgoingMessage): void;
  /** `emit` for a plugin event relayed unparsed: the client gets it with its ids and `transaction` (or none). */
  emitRelayed(event: RelayedEvent, transaction: string | undefined): void;
  /** The handle ended on its own (e.g. backend lost): core sends `detached` and forgets it. */
  ended(): void;
  /** Chooses and reserves a backend for this handle, skipping the named backends. */
  place(plugin: string, exclude?: ReadonlySet<string>): Placement | undefined;
  /** Reserves the named backend for this handle if it is connected and offers `plugin` (joining a handle placed there). */
  placeOn(backend: string, plugin: string): Placement | undefined;
  /** The client session's own backend session on `backend`, opened on first use. */
  backendSession(backend: Backend): BackendSession;
  /**
   * Records the plugin's own small state with the handle's durable record (a lifecycle change:
   * a call placed, a room joined), so another proxy can restore the handle. Never per message.
   */
  save(state: JsonObject): void;
}

/** What a plugin gets back when its handle is restored on a proxy that took the session over. */
export interface RestoreInput {
  /** The plugin's own state as last saved. */
  readonly state: JsonObject | undefined;
  /** The handle's backend handle, claimed on this proxy (undefined: the handle had no backend). */
  readonly backendHandle: BackendHandle | undefined;
  readonly backend: string | undefined;
}

export interface ProxyPlugin {
  readonly name: string;
  /** Set when the proxy serves the plugin without any backend (p2pcall): listed in `info` as Janus lists its plugins. */
  readonly standalone?: JsonObject;
  createHandle(ctx: PluginContext): Promise<PluginHandle>;
  /** Rebuilds a handle from its record after a session take-over; without it the handle ends. */
  restore?(ctx: PluginContext, input: RestoreInput): Promise<PluginHandle>;
}
