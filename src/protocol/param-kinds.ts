/** The JSON types Janus's JANUS_VALIDATE_JSON_OBJECT checks, and how its error texts name them. */
import { isJsonInteger, isJsonObject } from './messages.js';

export type ParamKind = 'string' | 'integer' | 'positive' | 'boolean' | 'array' | 'object';

export const KIND_TEXT: Record<ParamKind, string> = {
  string: 'a string',
  integer: 'an integer',
  positive: 'a positive integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
};

export function matchesKind(value: unknown, kind: ParamKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return isJsonInteger(value);
    case 'positive':
      return isJsonInteger(value) && value >= 0;
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isJsonObject(value);
  }
}
