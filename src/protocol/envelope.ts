/**
 * Validation of a client request's envelope, in exactly the order Janus 1.1.2's core checks it
 * (janus-api.md §1.1), so that every malformed request gets the error Janus would give.
 * Verb-specific fields are checked later by the dispatcher, again in Janus's order.
 */
import { JanusError, JanusErrorCode as C } from './errors.js';
import { isJsonInteger, isJsonObject, type JsonObject } from './messages.js';

export const ROOT_VERBS = ['info', 'ping', 'create'] as const;
export const SESSION_VERBS = ['attach', 'destroy', 'keepalive', 'claim'] as const;
export const HANDLE_VERBS = ['message', 'trickle', 'detach', 'hangup'] as const;

export type RootVerb = (typeof ROOT_VERBS)[number];

interface Base {
  transaction: string;
  raw: JsonObject;
}
export interface RootRequest extends Base {
  level: 'root';
  verb: RootVerb;
}
export interface SessionRequest extends Base {
  level: 'session';
  verb: string;
  sessionId: number;
}
export interface HandleRequest extends Base {
  level: 'handle';
  verb: string;
  sessionId: number;
  handleId: number;
}
export type ClientRequest = RootRequest | SessionRequest | HandleRequest;

/** A rejected envelope: the error plus the ids Janus echoes in that error. */
export class EnvelopeError extends JanusError {
  constructor(
    code: number,
    reason: string,
    readonly sessionId: number | undefined,
    readonly transaction: string | undefined,
  ) {
    super(code, reason);
  }
}

function requiredString(raw: JsonObject, key: string, sessionId: number | undefined): string {
  const value = raw[key];
  if (value === undefined) throw new EnvelopeError(C.MISSING_MANDATORY_ELEMENT, `Missing mandatory element (${key})`, sessionId, undefined);
  if (typeof value !== 'string') throw new EnvelopeError(C.INVALID_ELEMENT_TYPE, `Invalid element type (${key} should be a string)`, sessionId, undefined);
  return value;
}

function isRootVerb(verb: string): verb is RootVerb {
  return (ROOT_VERBS as readonly string[]).includes(verb);
}

/** Parses the envelope of one decoded JSON value. Throws EnvelopeError carrying what Janus would echo. */
export function parseEnvelope(payload: unknown): ClientRequest {
  // A JSON array (or scalar) has none of the mandatory keys: Janus reports the first one it looks for.
  const raw: JsonObject = isJsonObject(payload) ? payload : {};
  const sessionId = isJsonInteger(raw.session_id) ? raw.session_id : undefined;
  const handleKeyPresent = raw.handle_id !== undefined;
  const handleId = isJsonInteger(raw.handle_id) ? raw.handle_id : undefined;

  const transaction = requiredString(raw, 'transaction', sessionId);
  const verb = requiredString(raw, 'janus', sessionId).toLowerCase();
  if (raw.id !== undefined && !(isJsonInteger(raw.id) && raw.id >= 0)) {
    throw new EnvelopeError(C.INVALID_ELEMENT_TYPE, 'Invalid element type (id should be a positive integer)', sessionId, undefined);
  }

  if (sessionId === undefined && handleId === undefined) {
    if (isRootVerb(verb)) return { level: 'root', verb, transaction, raw };
    throw new EnvelopeError(C.INVALID_REQUEST_PATH, `Unhandled request '${verb}' at this path`, undefined, transaction);
  }
  if (sessionId === undefined || sessionId < 1) {
    throw new EnvelopeError(C.SESSION_NOT_FOUND, 'Session not found', sessionId, transaction);
  }
  if (handleKeyPresent && (handleId === undefined || handleId < 1)) {
    throw new EnvelopeError(C.HANDLE_NOT_FOUND, 'Handle not found', sessionId, transaction);
  }
  if (handleId !== undefined) return { level: 'handle', verb, sessionId, handleId, transaction, raw };
  return { level: 'session', verb, sessionId, transaction, raw };
}
