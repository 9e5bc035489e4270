/**
 * The proxy's own events for the cluster's event stream (issue #14): client sessions created,
 * destroyed, timed out and taken over from another proxy; handles attached (with the backend placement
 * chose, when it chose at attach) and detached. Janus's event-handler shape: `sessions` (type 1) and
 * `handles` (type 2), the proxy as `emitter`, client ids. Nothing is built unless a stream listens.
 */
import type { JsonObject } from '../protocol/messages.js';

const SESSIONS = 1;
const HANDLES = 2;

export type ProxyEventListener = (event: JsonObject) => void;

export class ProxyEvents {
  private listener: ProxyEventListener | undefined;

  constructor(private readonly emitter: string, private readonly proxyId: string) {}

  /** The event stream, once it runs; one listener. */
  listen(listener: ProxyEventListener): () => void {
    this.listener = listener;
    return () => { if (this.listener === listener) this.listener = undefined; };
  }

  sessionCreated(sessionId: number, transport: 'ws' | 'http'): void {
    this.emit(SESSIONS, sessionId, undefined, () => ({ name: 'created', transport: { transport: transportName(transport) } }));
  }

  /** `reason`: Janus's event name (`destroyed`, `timeout`). */
  sessionEnded(sessionId: number, reason: 'destroyed' | 'timeout'): void {
    this.emit(SESSIONS, sessionId, undefined, () => ({ name: reason }));
  }

  /** A `claim` (or an HTTP request) moved the session here from `from`, another proxy, dead or alive. */
  sessionTakenOver(sessionId: number, from: string, handles: number): void {
    this.emit(SESSIONS, sessionId, undefined, () => ({ name: 'taken-over', from, handles }));
  }

  handleAttached(sessionId: number, handleId: number, plugin: string, opaqueId: string | undefined, backend: string | undefined): void {
    this.emit(HANDLES, sessionId, handleId, () => {
      const event: JsonObject = { name: 'attached', plugin };
      if (opaqueId !== undefined) event.opaque_id = opaqueId;
      if (backend !== undefined) event.backend = backend;
      return event;
    });
  }

  handleDetached(sessionId: number, handleId: number, plugin: string): void {
    this.emit(HANDLES, sessionId, handleId, () => ({ name: 'detached', plugin }));
  }

  private emit(type: number, sessionId: number, handleId: number | undefined, event: () => JsonObject): void {
    const listener = this.listener;
    if (!listener) return;
    const out: JsonObject = { emitter: this.emitter, type, timestamp: Date.now() * 1000, session_id: sessionId };
    if (handleId !== undefined) out.handle_id = handleId;
    out.event = Object.assign({}, event(), { proxy: this.proxyId });
    listener(out);
  }
}

function transportName(kind: 'ws' | 'http'): string {
  return kind === 'ws' ? 'janus.transport.websockets' : 'janus.transport.http';
}
