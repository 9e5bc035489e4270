/** A client-facing Janus session: its handles, its owner Sink, and its backend sessions (one per backend). */
import type { Logger } from 'pino';
import type { LazyLogger } from '../logging.js';
import type { ClientHandleId, ClientSessionId } from '../protocol/ids.js';
import type { OutgoingMessage } from '../protocol/messages.js';
import type { RelayedEvent } from '../protocol/relayed-event.js';
import type { Sink } from './sink.js';
import type { Handle } from './handle.js';
import type { BackendSession, BackendSessionOwner } from '../backend/backend-session.js';
import type { Backend } from '../cluster/backend.js';
import type { Locality } from '../protocol/origin.js';
import { JanusError, JanusErrorCode } from '../protocol/errors.js';
import { holdsId, idHigh, idLow, type SplitId } from '../protocol/id-map.js';

export type SessionState = 'active' | 'orphaned' | 'destroyed';

export class Session implements BackendSessionOwner, SplitId {
  state: SessionState = 'active';
  readonly handles = new Map<ClientHandleId, Handle>();
  lastActivityMs: number;
  /** When an orphaned session (its owner Sink closed) is destroyed unless claimed. */
  orphanDeadlineMs = 0;
  /** Where the client is, as far as placement preferences go. */
  locality: Locality | undefined;
  private readonly backendSessions = new Map<Backend, BackendSession>();
  /** The handle the last request went to: most sessions have one, so the map is rarely consulted. */
  private recentHandle: Handle | undefined;
  /** The id as JSON writes it, made once: String() of a 53-bit id per relayed message is a number-to-text conversion each time. */
  readonly idText: string;
  readonly idLow: number;
  readonly idHigh: number;

  constructor(
    readonly id: ClientSessionId,
    public owner: Sink | undefined,
    readonly log: LazyLogger,
    nowMs: number,
  ) {
    this.lastActivityMs = nowMs;
    this.idText = String(id);
    this.idLow = idLow(id);
    this.idHigh = idHigh(id);
  }

  get logger(): Logger {
    return this.log.logger;
  }

  get alive(): boolean {
    return this.state !== 'destroyed';
  }

  /** The live handle `id` (a detached one is only found while it is still being detached). */
  handle(id: number): Handle | undefined {
    const recent = this.recentHandle;
    if (recent !== undefined && holdsId(recent, id) && !recent.detached) return recent;
    const found = this.handles.get(id as ClientHandleId);
    this.recentHandle = found;
    return found;
  }

  /** Delivers an asynchronous event to the session's owner, with this session's and the handle's ids. */
  emit(handleId: ClientHandleId | undefined, event: OutgoingMessage): void {
    const owner = this.owner;
    if (!owner?.open || !this.alive) return;
    if ('session_id' in event) {
      event.session_id = this.id;
      if (handleId !== undefined) event.sender = handleId;
      owner.send(event);
      return;
    }
    const { janus, ...rest } = event;
    const shaped: OutgoingMessage = { janus, session_id: this.id };
    if (handleId !== undefined) shaped.sender = handleId;
    owner.send(Object.assign(shaped, rest));
  }

  /** `emit` for a plugin event relayed unparsed: Janus's bytes with this session's ids and the client's transaction. */
  emitRelayed(handleIdText: string, event: RelayedEvent, transaction: string | undefined): void {
    const owner = this.owner;
    if (!owner?.open || !this.alive) return;
    const text = event.rewrite(this.idText, handleIdText, transaction);
    if (owner.sendJson) owner.sendJson(text);
    else owner.send(JSON.parse(text) as OutgoingMessage);
  }

  /** This client session's backend session on `backend`, opened on first use (throws if the backend is unreachable or the session ended). */
  backendSession(backend: Backend): BackendSession {
    // An attach still under way when the session ended must not open (and leak) a backend session.
    if (!this.alive) throw new JanusError(JanusErrorCode.SESSION_NOT_FOUND, `No such session ${this.id}`);
    let session = this.backendSessions.get(backend);
    if (!session?.alive) {
      session = backend.openSession(this, this.log);
      this.backendSessions.set(backend, session);
    }
    return session;
  }

  /** A backend session claimed from another proxy during a take-over. */
  adoptBackendSession(backend: Backend, session: BackendSession): void {
    this.backendSessions.set(backend, session);
  }

  onBackendSessionLost(lost: BackendSession): void {
    for (const [backend, session] of this.backendSessions) {
      if (session === lost) this.backendSessions.delete(backend);
    }
  }

  /** Resolves once every request already queued on the session's handles has been answered. */
  async idle(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => h.idle()));
  }

  /**
   * The session now lives on another proxy: drop everything here without telling the client or
   * Janus (the backend sessions belong to the new owner's connections now).
   */
  abandon(): void {
    if (this.state === 'destroyed') return;
    this.state = 'destroyed';
    for (const handle of this.handles.values()) {
      handle.detached = true;
      const plugin = handle.pluginHandle;
      if (plugin?.release) plugin.release();
      else plugin?.destroy();
    }
    this.handles.clear();
    for (const session of this.backendSessions.values()) session.abandon();
    this.backendSessions.clear();
  }

  /** Tears the session down: plugin handles release their resources, backend sessions go back to their backend. No events. */
  destroy(): void {
    if (this.state === 'destroyed') return;
    this.state = 'destroyed';
    for (const handle of this.handles.values()) {
      handle.detached = true;
      handle.pluginHandle?.destroy();
    }
    this.handles.clear();
    for (const [backend, session] of this.backendSessions) backend.releaseSession(session);
    this.backendSessions.clear();
  }
}
