/** `attach` and the handle-level verbs (`message`, `trickle`, `hangup`, `detach`), checked in Janus's order. */
import { JanusError, JanusErrorCode as C } from '../protocol/errors.js';
import { uniqueId, type ClientHandleId } from '../protocol/ids.js';
import { ackJson, ackReply, isJsonInteger, isJsonObject, successReply, type JsonObject, type OutgoingMessage } from '../protocol/messages.js';
import type { HandleRequest } from '../protocol/envelope.js';
import type { ReplyReceiver } from '../backend/pending-requests.js';
import { handleRecord, pluginContext } from './plugin-context.js';
import type { Session } from './session.js';
import type { Handle } from './handle.js';
import type { Sink } from './sink.js';
import type { DispatchDeps } from './dispatcher.js';
import { Handle as HandleClass } from './handle.js';

function checkAttachFields(raw: JsonObject): { plugin: string; opaqueId: string | undefined } {
  const { plugin, opaque_id: opaqueId, loop_index: loopIndex } = raw;
  if (plugin === undefined) throw new JanusError(C.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (plugin)');
  if (typeof plugin !== 'string') throw new JanusError(C.INVALID_ELEMENT_TYPE, 'Invalid element type (plugin should be a string)');
  if (opaqueId !== undefined && typeof opaqueId !== 'string') {
    throw new JanusError(C.INVALID_ELEMENT_TYPE, 'Invalid element type (opaque_id should be a string)');
  }
  if (loopIndex !== undefined && !(isJsonInteger(loopIndex) && loopIndex >= 0)) {
    throw new JanusError(C.INVALID_ELEMENT_TYPE, 'Invalid element type (loop_index should be a positive integer)');
  }
  return { plugin, opaqueId };
}

export async function attach(raw: JsonObject, session: Session, deps: DispatchDeps, transaction: string): Promise<OutgoingMessage> {
  const { plugin, opaqueId } = checkAttachFields(raw);
  const module = deps.plugins.resolve(plugin, (name) => name in deps.cluster.plugins());
  if (!module) throw new JanusError(C.PLUGIN_NOT_FOUND, `No such plugin '${plugin}'`);
  // Janus checks a given token's plugins even when the API secret authorized the request.
  const token = raw.token;
  if (deps.tokenAuth && typeof token === 'string' && !deps.tokenAuth.checkPlugin(token, plugin)) {
    throw new JanusError(C.UNAUTHORIZED_PLUGIN, `Provided token can't access plugin '${plugin}'`);
  }
  const id = uniqueId<ClientHandleId>((c) => session.handles.has(c));
  const handle = new HandleClass(id, plugin, opaqueId);
  const pluginHandle = await module.createHandle(pluginContext(session, handle, deps));
  if (!session.alive) {
    pluginHandle.destroy();
    throw new JanusError(C.SESSION_NOT_FOUND, `No such session ${session.id}`);
  }
  handle.pluginHandle = pluginHandle;
  session.handles.set(id, handle);
  deps.records?.putHandle(session.id, handleRecord(handle));
  deps.events?.handleAttached(session.id, id, plugin, opaqueId, pluginHandle.backendName?.());
  return successReply(session.id, transaction, { data: { id } });
}

function checkMessageFields(raw: JsonObject): { body: JsonObject; jsep: JsonObject | undefined } {
  const { body, jsep } = raw;
  if (body === undefined) throw new JanusError(C.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (body)');
  if (!isJsonObject(body)) throw new JanusError(C.INVALID_ELEMENT_TYPE, 'Invalid element type (body should be an object)');
  if (jsep !== undefined && !isJsonObject(jsep)) throw new JanusError(C.INVALID_JSON_OBJECT, 'Invalid jsep object');
  return { body, jsep };
}

/** Only the checks Janus makes before queueing; the rest depend on the PeerConnection's state, which the backend knows. */
function checkTrickleFields(raw: JsonObject): { candidate?: unknown; candidates?: unknown } {
  const hasOne = 'candidate' in raw;
  const hasMany = 'candidates' in raw;
  if (!hasOne && !hasMany) throw new JanusError(C.MISSING_MANDATORY_ELEMENT, 'Missing mandatory element (candidate|candidates)');
  if (hasOne && hasMany) throw new JanusError(C.INVALID_JSON, "Can't have both candidate and candidates");
  return hasOne ? { candidate: raw.candidate } : { candidates: raw.candidates };
}

/** Turns a failed request into the client's error reply (the dispatcher does). */
export interface RequestFailures {
  sendError(err: unknown, sessionId: number | undefined, transaction: string, sink: Sink): void;
}

function gone(handle: Handle, session: Session): JanusError {
  return new JanusError(C.HANDLE_NOT_FOUND, `No such handle ${handle.id} in session ${session.id}`);
}

/** The client's reply to a plugin message, from the plugin's (or Janus's own) `ack` or `success`. */
function messageReply(reply: { janus?: unknown; hint?: unknown; plugindata?: unknown }, session: Session, handle: Handle, transaction: string): OutgoingMessage {
  return reply.janus === 'ack'
    ? ackReply(session.id, transaction, typeof reply.hint === 'string' ? reply.hint : undefined)
    : { janus: 'success', session_id: session.id, transaction, sender: handle.id, plugindata: reply.plugindata };
}

/**
 * Janus's answer to a message sent outside the handle's queue, passed on as the client's reply. It
 * keeps only the ids it answers with (not the request), so the parsed request can be collected young.
 */
class DirectReply implements ReplyReceiver {
  constructor(
    private readonly transaction: string,
    private readonly session: Session,
    private readonly handle: Handle,
    private readonly sink: Sink,
    private readonly failures: RequestFailures,
  ) {}

  resolve(reply: JsonObject): void {
    // Tasks queued meanwhile start in a microtask, after this reply is on its way.
    this.handle.endDirect();
    const sink = this.sink;
    const hint = reply.hint;
    // The EchoTest's acks all carry a hint: written directly too.
    if (reply.janus === 'ack' && (hint === undefined || typeof hint === 'string') && sink.sendJson !== undefined) sink.sendJson(ackJson(this.session.idText, this.transaction, hint));
    else sink.send(messageReply(reply, this.session, this.handle, this.transaction));
  }

  reject(err: Error): void {
    this.handle.endDirect();
    this.failures.sendError(err, this.session.id, this.transaction, this.sink);
  }
}

/**
 * Handle verbs. The request's fields are checked at once, but the work is queued on the handle
 * synchronously, before any await, so requests on one handle run in arrival order. A relayed
 * message on an idle handle skips the queue and its promises (the per-message hot path).
 */
export function handleVerb(request: HandleRequest, session: Session, handle: Handle, sink: Sink, deps: DispatchDeps, failures?: RequestFailures): Promise<OutgoingMessage | undefined> | undefined {
  const { verb, transaction, raw } = request;
  const pluginHandle = handle.pluginHandle;
  if (!pluginHandle) throw new JanusError(C.PLUGIN_MESSAGE, 'No plugin to handle this message');
  // Each task re-checks the handle: a detach queued before it may have ended the handle meanwhile.
  switch (verb) {
    case 'message': {
      const { body, jsep } = checkMessageFields(raw);
      if (pluginHandle.sendMessage && failures && handle.beginDirect()) {
        if (handle.detached) {
          handle.endDirect();
          throw gone(handle, session);
        }
        pluginHandle.sendMessage(body, jsep, transaction, new DirectReply(transaction, session, handle, sink, failures));
        return undefined;
      }
      return handle.enqueue(async () => {
        if (handle.detached) throw gone(handle, session);
        return messageReply(await pluginHandle.message(body, jsep, transaction), session, handle, transaction);
      });
    }
    case 'trickle': {
      const fields = checkTrickleFields(raw);
      return handle.enqueue(async () => {
        if (handle.detached) throw gone(handle, session);
        await pluginHandle.trickle(fields);
        return { janus: 'ack', session_id: session.id, transaction };
      });
    }
    case 'hangup':
      return handle.enqueue(async () => {
        if (handle.detached) throw gone(handle, session);
        await pluginHandle.hangup();
        return successReply(session.id, transaction);
      });
    case 'detach':
      return handle.enqueue(async () => {
        if (handle.detached) throw gone(handle, session);
        handle.detached = true;
        await pluginHandle.detach();
        // Removed only now, so a `destroy` that arrived after this detach waits for its answer.
        session.handles.delete(handle.id);
        deps.records?.removeHandle(session.id, handle.id);
        deps.events?.handleDetached(session.id, handle.id, handle.plugin);
        sink.send(successReply(session.id, transaction));
        session.emit(handle.id, { janus: 'detached' });
        return undefined;
      });
    default:
      throw new JanusError(C.UNKNOWN_REQUEST, `Unknown request '${verb}'`);
  }
}
