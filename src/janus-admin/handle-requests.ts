/**
 * Admin API requests on one client session or handle (destroy_session, list_handles, handle_info,
 * pcap, detach_handle, hangup_webrtc). Handle requests run on the Janus the handle is on, with the
 * backend's ids, and the reply comes back with the client's ids and the backend's name. A handle of
 * a session another proxy holds is found from its durable record (decision 15).
 */
import { JanusError, JanusErrorCode as C } from '../protocol/errors.js';
import { isJsonObject, successReply, type JsonObject, type OutgoingMessage } from '../protocol/messages.js';
import type { Session } from '../core/session.js';
import type { Handle } from '../core/handle.js';
import type { SessionRecord } from '../store/session-store.js';
import type { LocalSessions } from '../events/ids.js';
import type { BackendAdmin } from './backends.js';

/** The local sessions the Admin API sees (the event stream's view, and destroy). */
export interface AdminSessions extends LocalSessions {
  get(id: number): Session | undefined;
  destroy(session: Session): void;
}

/** A client handle and the Janus handle behind it. */
export interface HandleTarget {
  sessionId: number;
  handleId: number;
  opaqueId: string | undefined;
  backend: string;
  backendSession: number;
  backendHandle: number;
}

const FORWARDED = new Set(['handle_info', 'start_pcap', 'stop_pcap', 'start_text2pcap', 'stop_text2pcap', 'detach_handle', 'hangup_webrtc']);
/** Parameters each forwarded request may carry (everything else, e.g. admin_secret, stays here). */
const PARAMS = ['plugin_only', 'folder', 'filename', 'truncate'];

function unhandled(verb: string): JanusError {
  return new JanusError(C.INVALID_REQUEST_PATH, `Unhandled request '${verb}' at this path`);
}

export function sessionRequest(verb: string, session: Session, sessions: AdminSessions, transaction: string): OutgoingMessage {
  switch (verb) {
    case 'destroy_session':
      sessions.destroy(session);
      return successReply(session.id, transaction);
    case 'list_handles':
      return successReply(session.id, transaction, { handles: [...session.handles.keys()] });
    default:
      throw unhandled(verb);
  }
}

/** A session another proxy holds, from its record: its handles can be listed, not the session destroyed from here. */
export function recordedSessionRequest(verb: string, record: SessionRecord, transaction: string): OutgoingMessage {
  if (verb === 'list_handles') return successReply(record.id, transaction, { handles: record.handles.map((h) => h.id) });
  if (verb === 'destroy_session') throw new JanusError(C.UNKNOWN, `Session ${String(record.id)} is held by proxy ${record.owner}: destroy it there`);
  throw unhandled(verb);
}

/** The Janus handle behind a local client handle (a handle with no backend, e.g. p2pcall, has none). */
export function localTarget(session: Session, handle: Handle): HandleTarget {
  const plugin = handle.pluginHandle;
  const target = plugin?.backendHandle?.();
  const backend = plugin?.backendName?.();
  if (!target || backend === undefined || !target.alive) throw new JanusError(C.PLUGIN_DETACH, 'No plugin attached');
  return { sessionId: session.id, handleId: handle.id, opaqueId: handle.opaqueId, backend, backendSession: target.session.id, backendHandle: target.id };
}

/** The Janus handle behind a handle of a session another proxy holds, as its record names it. */
export function recordedTarget(record: SessionRecord, handleId: number): HandleTarget {
  const handle = record.handles.find((h) => h.id === handleId);
  if (!handle) throw new JanusError(C.HANDLE_NOT_FOUND, `No such handle ${String(handleId)} in session ${String(record.id)}`);
  const { backend, backend_session: backendSession, backend_handle: backendHandle } = handle;
  if (backend === undefined || backendSession === undefined || backendHandle === undefined) throw new JanusError(C.PLUGIN_DETACH, 'No plugin attached');
  return { sessionId: record.id, handleId, opaqueId: handle.opaque_id, backend, backendSession, backendHandle };
}

/** handle_info's `info` with the client's ids where Janus put its own, and where it came from. */
function rewriteInfo(info: JsonObject, target: HandleTarget): JsonObject {
  const out: JsonObject = {
    ...info, session_id: target.sessionId, handle_id: target.handleId, backend: target.backend,
    backend_session_id: target.backendSession, backend_handle_id: target.backendHandle,
  };
  if (info.opaque_id === undefined && target.opaqueId !== undefined) out.opaque_id = target.opaqueId;
  return out;
}

export async function handleRequest(verb: string, raw: JsonObject, target: HandleTarget, admin: BackendAdmin, transaction: string): Promise<OutgoingMessage> {
  if (!FORWARDED.has(verb)) throw unhandled(verb);
  const msg: JsonObject = { janus: verb, session_id: target.backendSession, handle_id: target.backendHandle };
  for (const key of PARAMS) if (raw[key] !== undefined) msg[key] = raw[key];
  const reply = await admin.request(target.backend, msg);
  const { janus: _j, transaction: _t, session_id: _s, handle_id: _h, ...rest } = reply;
  if (isJsonObject(rest.info)) rest.info = rewriteInfo(rest.info, target);
  if (verb === 'handle_info') return successReply(target.sessionId, transaction, { handle_id: target.handleId, ...rest });
  // Janus answers the pcap requests without ids; the backend says on which Janus the file is.
  return successReply(verb.includes('pcap') ? undefined : target.sessionId, transaction, { ...rest, backend: target.backend });
}
