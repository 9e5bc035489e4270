/** Janus's JANUS_VALIDATE_JSON_OBJECT for Admin API parameters: same checks, codes and reasons. */
import { JanusError, JanusErrorCode as C } from '../protocol/errors.js';
import { isJsonInteger, isJsonObject, type JsonObject } from '../protocol/messages.js';

export type ParamKind = 'string' | 'integer' | 'positive' | 'boolean' | 'array' | 'object';

const DESCRIPTIONS: Record<ParamKind, string> = {
  string: 'a string',
  integer: 'an integer',
  positive: 'a positive integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
};

function matches(value: unknown, kind: ParamKind): boolean {
  switch (kind) {
    case 'string': return typeof value === 'string';
    case 'integer': return isJsonInteger(value);
    case 'positive': return isJsonInteger(value) && value >= 0;
    case 'boolean': return typeof value === 'boolean';
    case 'array': return Array.isArray(value);
    case 'object': return isJsonObject(value);
  }
}

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
    if (!matches(value, kind)) throw new JanusError(C.INVALID_ELEMENT_TYPE, `Invalid element type (${name} should be ${DESCRIPTIONS[kind]})`);
  }
}
