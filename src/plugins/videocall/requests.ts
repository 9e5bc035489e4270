/**
 * Request parsing and validation shared by videocall and p2pcall, with VideoCall's checks, codes
 * and texts. Only what must be checked before any state is touched lives here; the order of the
 * state checks (register first, already in a call, …) is each handler's.
 */
import { JanusError, JanusErrorCode } from '../../protocol/errors.js';
import { isJsonInteger, type JsonObject } from '../../protocol/messages.js';
import { CallErrors } from './errors.js';

export const CALL_REQUESTS = ['list', 'register', 'call', 'accept', 'set', 'hangup'] as const;
export type CallRequest = (typeof CALL_REQUESTS)[number];

/** What `set` may change; the same fields, names and checks as Janus VideoCall. */
export interface CallSettings {
  audio?: boolean;
  video?: boolean;
  bitrate?: number;
  record?: boolean;
  filename?: string;
  restart?: boolean;
  substream?: number;
  temporal?: number;
  fallback?: number;
}

/** The `request` field: 475 when missing, 474 when not a string, 472 when unknown (names are case-insensitive). */
export function parseRequest(body: JsonObject): CallRequest {
  const request = body.request;
  if (request === undefined) throw CallErrors.missingElement('request');
  if (typeof request !== 'string') throw CallErrors.invalidType('request', 'a string');
  const name = request.toLowerCase();
  const known = CALL_REQUESTS.find((r) => r === name);
  if (!known) throw CallErrors.unknownRequest(request);
  return known;
}

export function parseUsername(body: JsonObject): string {
  const username = body.username;
  if (username === undefined) throw CallErrors.missingElement('username');
  if (typeof username !== 'string') throw CallErrors.invalidType('username', 'a string');
  return username;
}

/** The optional `reason` of a hangup; like Janus, anything but a string is ignored. */
export function hangupReason(body: JsonObject): string {
  return typeof body.reason === 'string' ? body.reason : 'We did the hangup';
}

function optionalBoolean(body: JsonObject, field: keyof CallSettings): boolean | undefined {
  const value = body[field];
  if (value !== undefined && typeof value !== 'boolean') throw CallErrors.invalidType(field, 'a boolean');
  return value;
}

/** An optional integer in [0, max]: `text` is VideoCall's wording of the failure. */
function optionalLayer(body: JsonObject, field: 'substream' | 'temporal' | 'fallback', max: number, text: string): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!isJsonInteger(value) || value < 0 || value > max) throw CallErrors.invalidValue(text);
  return value;
}

/** The `set` fields, in the order Janus checks them. Unknown fields are ignored, as Janus does. */
export function parseSettings(body: JsonObject): CallSettings {
  const settings: CallSettings = {};
  const audio = optionalBoolean(body, 'audio');
  const video = optionalBoolean(body, 'video');
  const bitrate = body.bitrate;
  if (bitrate !== undefined && !(isJsonInteger(bitrate) && bitrate >= 0)) throw CallErrors.invalidType('bitrate', 'a positive integer');
  const record = optionalBoolean(body, 'record');
  const filename = body.filename;
  if (filename !== undefined && typeof filename !== 'string') throw CallErrors.invalidType('filename', 'a string');
  const restart = optionalBoolean(body, 'restart');
  const substream = optionalLayer(body, 'substream', 2, 'substream should be 0, 1 or 2');
  const temporal = optionalLayer(body, 'temporal', 2, 'temporal should be 0, 1 or 2');
  const fallback = optionalLayer(body, 'fallback', Number.MAX_SAFE_INTEGER, 'fallback should be a positive integer');
  const all: CallSettings = { audio, video, bitrate, record, filename, restart, substream, temporal, fallback };
  for (const [key, value] of Object.entries(all) as [keyof CallSettings, unknown][]) {
    if (value !== undefined) Object.assign(settings, { [key]: value });
  }
  return settings;
}

const JSEP_STRINGS = ['type', 'sdp'] as const;
/** The optional fields the core checks, in its order: name, typeof, Janus's type wording. */
const JSEP_OPTIONAL = [
  ['trickle', 'boolean', 'a boolean'],
  ['rid_order', 'string', 'a string'],
  ['force_relay', 'boolean', 'a boolean'],
  ['e2ee', 'boolean', 'a boolean'],
] as const;

/**
 * The checks Janus's core makes on a client jsep before any plugin sees it, with the core's codes
 * (these are `error` replies, not plugin events). Deeper SDP checks are the backend's (videocall)
 * or the other browser's (p2pcall).
 */
export function checkJsep(jsep: JsonObject): { type: 'offer' | 'answer'; sdp: string } {
  const C = JanusErrorCode;
  for (const field of JSEP_STRINGS) {
    if (jsep[field] === undefined) throw new JanusError(C.MISSING_MANDATORY_ELEMENT, `JSEP error: missing mandatory element (${field})`);
    if (typeof jsep[field] !== 'string') throw new JanusError(C.INVALID_ELEMENT_TYPE, `JSEP error: invalid element type (${field} should be a string)`);
  }
  for (const field of JSEP_OPTIONAL) {
    const [name, type, typeName] = field;
    if (jsep[name] !== undefined && typeof jsep[name] !== type) {
      throw new JanusError(C.INVALID_ELEMENT_TYPE, `JSEP error: invalid element type (${name} should be ${typeName})`);
    }
  }
  const type = jsep.type as string;
  const sdp = jsep.sdp as string;
  if (type !== 'offer' && type !== 'answer') throw new JanusError(C.JSEP_UNKNOWN_TYPE, `JSEP error: unknown message type '${type}'`);
  if (!sdp.startsWith('v=')) throw new JanusError(C.JSEP_INVALID_SDP, "Invalid SDP (doesn't start with v=)");
  return { type, sdp };
}
