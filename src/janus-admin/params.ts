/** Janus's JANUS_VALIDATE_JSON_OBJECT for Admin API parameters: same checks, codes and reasons. */
import { JanusError, JanusErrorCode as C } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';
import { KIND_TEXT, matchesKind, type ParamKind } from '../protocol/param-kinds.js';

export type { ParamKind };

/** Checks `spec` in order (name → kind, `?` suffix on the name = optional); throws the first failure. */
export function checkParams(raw: JsonObject, spec: Record<string, ParamKind>): void {
  for (const [key, kind] of Object.entries(spec)) {
    const optional = key.endsWith('?');
    const name = optional ? key.slice(0, -1) : key;
    const value = raw[name];
    if (value === undefined) {
      if (optional) continue;
      throw new JanusError(C.MISSING_MANDATORY_ELEMENT, `Missing mandatory element (${name})`);
    }
    if (!matchesKind(value, kind)) throw new JanusError(C.INVALID_ELEMENT_TYPE, `Invalid element type (${name} should be ${KIND_TEXT[kind]})`);
  }
}
