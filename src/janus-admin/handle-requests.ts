/**
 * Admin API requests on one client session or handle (destroy_session, list_handles, handle_info,
 * pcap, detach_handle, hangup_webrtc). Handle requests run on the Janus the handle is on, with the
 * backend's ids, and the reply comes back with the client's ids and the backend's name.
 */
import { JanusError, JanusErrorCode as C } from '../protocol/errors.js';
import { isJsonObject, successReply, type JsonObject, type OutgoingMessage } from '../protocol/messages.js';
import type { Session } from '../core/session.js';
import type { Handle } from '../core/handle.js';
import type { BackendAdmin } from './backends.js';

/** The local sessions the Admin API sees (the cluster-wide session store can stand in later). */
export interface AdminSessions {
  ids(): number[];
  get(id: number): Session | undefined;
  destroy(session: Session): void;
}

const FORWARDED = new Set(['handle_info', 'start_pcap', 'stop_pcap', 'start_text2pcap', 'stop_text2pcap', 'detach_handle', 'hangup_webrtc']);
/** Parameters each forwarded request may carry (everything else, e.g. admin_secret, stays here). */
const PARAMS = ['plugin_only', 'folder', 'filename', 'truncate'];

export function sessionRequest(verb: string, session: Session, sessions: AdminSessions, transaction: string): OutgoingMessage {
  switch (verb) {
    case 'destroy_session':
      sessions.destroy(session);
      return successReply(session.id, transaction);
    case 'list_handles':
      return successReply(session.id, transaction, { handles: [...session.handles.keys()] });
    default:
      throw new JanusError(C.INVALID_REQUEST_PATH, `Unhandled request '${verb}' at this path`);
  }
}

/** handle_info's `info` with the client's ids where Janus put its own, and where it came from. */
function rewriteInfo(info: JsonObject, session: Session, handle: Handle, backend: string, backendIds: { session: number; handle: number }): JsonObject {
  const out: JsonObject = { ...info, session_id: session.id, handle_id: handle.id, backend, backend_session_id: backendIds.session, backend_handle_id: backendIds.handle };
  if (info.opaque_id === undefined && handle.opaqueId !== undefined) out.opaque_id = handle.opaqueId;
  return out;
}

export async function handleRequest(
  verb: string, raw: JsonObject, session: Session, handle: Handle, admin: BackendAdmin, transaction: string,
): Promise<OutgoingMessage> {
  if (!FORWARDED.has(verb)) throw new JanusError(C.INVALID_REQUEST_PATH, `Unhandled request '${verb}' at this path`);
  const plugin = handle.pluginHandle;
  const target = plugin?.backendHandle?.();
  const backend = plugin?.backendName?.();
  if (!target || backend === undefined || !target.alive) throw new JanusError(C.PLUGIN_DETACH, 'No plugin attached');
  const ids = { session: target.session.id, handle: target.id };
  const msg: JsonObject = { janus: verb, session_id: ids.session, handle_id: ids.handle };
  for (const key of PARAMS) if (raw[key] !== undefined) msg[key] = raw[key];
  const reply = await admin.request(backend, msg);
  const { janus: _j, transaction: _t, session_id: _s, handle_id: _h, ...rest } = reply;
  if (isJsonObject(rest.info)) rest.info = rewriteInfo(rest.info, session, handle, backend, ids);
  if (verb === 'handle_info') return successReply(session.id, transaction, { handle_id: handle.id, ...rest });
  // Janus answers the pcap requests without ids; the backend says on which Janus the file is.
  return successReply(verb.includes('pcap') ? undefined : session.id, transaction, { ...rest, backend });
}
