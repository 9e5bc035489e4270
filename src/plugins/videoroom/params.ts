/**
 * Janus's request validation (`JANUS_VALIDATE_JSON_OBJECT` / `JANUS_CHECK_SECRET`) with its exact
 * codes and texts, for the checks the proxy must make itself before it knows which backend to ask.
 */
import type { JsonObject } from '../../protocol/messages.js';
import { KIND_TEXT, matchesKind, type ParamKind } from '../../protocol/param-kinds.js';
import { VideoRoomCode as C, VideoRoomError } from './errors.js';

export type { ParamKind };
export interface Param {
  name: string;
  kind: ParamKind;
  required?: boolean;
}

/** Throws Janus's 429/430 for the first parameter that is missing or of the wrong type. */
export function validate(body: JsonObject, params: readonly Param[]): void {
  for (const p of params) {
    const value = body[p.name];
    if (value === undefined) {
      if (p.required) throw new VideoRoomError(C.MISSING_ELEMENT, `Missing mandatory element (${p.name})`);
      continue;
    }
    if (!matchesKind(value, p.kind)) throw new VideoRoomError(C.INVALID_ELEMENT, `Invalid element type (${p.name} should be ${KIND_TEXT[p.kind]})`);
  }
}

/** `JANUS_CHECK_SECRET`: only when the room has one; missing 429, not a string 430, wrong 433. */
export function checkSecret(expected: string | undefined, body: JsonObject, member = 'secret'): void {
  if (expected === undefined) return;
  validate(body, [{ name: member, kind: 'string', required: true }]);
  if (body[member] !== expected) throw new VideoRoomError(C.UNAUTHORIZED, `Unauthorized (wrong ${member})`);
}

/** A room or participant id parameter: a positive integer, or a string with `string_ids`. */
export function idParam(name: string, stringIds: boolean, required = true): Param {
  return { name, kind: stringIds ? 'string' : 'positive', required };
}

export const DESTROY_PARAMS: readonly Param[] = [{ name: 'permanent', kind: 'boolean' }];

export const EDIT_PARAMS: readonly Param[] = [
  { name: 'secret', kind: 'string' },
  { name: 'new_description', kind: 'string' },
  { name: 'new_is_private', kind: 'boolean' },
  { name: 'new_secret', kind: 'string' },
  { name: 'new_pin', kind: 'string' },
  { name: 'new_require_pvtid', kind: 'boolean' },
  { name: 'new_bitrate', kind: 'positive' },
  { name: 'new_fir_freq', kind: 'positive' },
  { name: 'new_publishers', kind: 'positive' },
  { name: 'new_lock_record', kind: 'boolean' },
  { name: 'new_rec_dir', kind: 'string' },
  { name: 'permanent', kind: 'boolean' },
];

export const ALLOWED_PARAMS: readonly Param[] = [
  { name: 'secret', kind: 'string' },
  { name: 'action', kind: 'string', required: true },
  { name: 'allowed', kind: 'array' },
];

export const KICK_PARAMS: readonly Param[] = [{ name: 'secret', kind: 'string' }];

export const MODERATE_PARAMS: readonly Param[] = [
  { name: 'secret', kind: 'string' },
  { name: 'mid', kind: 'string', required: true },
  { name: 'mute', kind: 'boolean', required: true },
];

export const RECORD_PARAMS: readonly Param[] = [{ name: 'record', kind: 'boolean', required: true }];

export const RTP_FORWARD_PARAMS: readonly Param[] = [
  { name: 'host', kind: 'string', required: true },
  { name: 'host_family', kind: 'string' },
  { name: 'simulcast', kind: 'boolean' },
  { name: 'srtp_suite', kind: 'positive' },
  { name: 'srtp_crypto', kind: 'string' },
  { name: 'streams', kind: 'array' },
  ...['video_port', 'video_rtcp_port', 'video_ssrc', 'video_pt', 'video_port_2', 'video_ssrc_2', 'video_pt_2', 'video_port_3',
    'video_ssrc_3', 'video_pt_3', 'audio_port', 'audio_rtcp_port', 'audio_ssrc', 'audio_pt', 'data_port'].map(
    (name): Param => ({ name, kind: 'positive' }),
  ),
];

export const STOP_RTP_FORWARD_PARAMS: readonly Param[] = [{ name: 'stream_id', kind: 'positive', required: true }];

export const JOIN_PARAMS: readonly Param[] = [
  { name: 'ptype', kind: 'string', required: true },
  { name: 'audio', kind: 'boolean' },
  { name: 'video', kind: 'boolean' },
  { name: 'data', kind: 'boolean' },
  { name: 'bitrate', kind: 'positive' },
  { name: 'record', kind: 'boolean' },
  { name: 'filename', kind: 'string' },
  { name: 'token', kind: 'string' },
];

export const SUBSCRIBER_PARAMS: readonly Param[] = [
  { name: 'streams', kind: 'array' },
  { name: 'private_id', kind: 'positive' },
];
