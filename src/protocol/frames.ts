// Imported rather than the global: Node's global Buffer is an accessor, looked up per frame.
import { Buffer } from 'node:buffer';

/** Text of a WebSocket frame as `ws` delivers it (Buffer, ArrayBuffer or fragments). */
export function frameText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return Buffer.from(new Uint8Array(data)).toString('utf8');
}

export function frameSize(data: Buffer | ArrayBuffer | Buffer[]): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
}

/** jansson's nesting limit: Janus rejects deeper JSON as invalid, so the proxy does too. */
export const MAX_JSON_DEPTH = 2048;

/**
 * Whether JSON text nests deeper than `limit`. Each level takes at least two characters, so short
 * texts are skipped without a scan; strings are stepped over so brackets inside them do not count.
 */
export function nestsDeeperThan(text: string, limit = MAX_JSON_DEPTH): boolean {
  if (text.length <= limit * 2) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** What a WebSocket frame holds: its requests in order, or the one error Janus answers instead. */
export type FrameRequests = { requests: unknown[] } | { error: string };

export const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Index just past the string whose opening quote is at `start`, or -1 if it never closes. Its
 * contents are jumped over with indexOf (a native search) rather than read character by character:
 * most of a plugin event is strings.
 */
export function stringEnd(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  while (quote >= 0) {
    // Escaped only after an odd run of backslashes (`\\"` ends the string).
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if ((backslashes & 1) === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
  return -1;
}

/**
 * Index just past the object or array starting at `start` (strings stepped over), or -1 if it never
 * closes — or, with `compactOnly`, if anything at or below a space (whitespace, a control character)
 * stands outside its strings.
 */
export function valueEnd(text: string, start: number, compactOnly = false): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return i + 1;
    } else if (compactOnly && c <= 0x20) return -1;
  }
  return -1;
}

/** The token at `i` as jansson names it in its errors: one punctuation character, else a word. */
function tokenAt(text: string, i: number): string {
  const word = /^[^\s{}[\],:]{1,16}/.exec(text.slice(i, i + 16));
  return word ? word[0] : text.charAt(i);
}

function parseError(text: string): string {
  try {
    JSON.parse(text);
    return 'parse error';
  } catch (err) {
    return err instanceof Error ? err.message : 'parse error';
  }
}

/** What `oneValue` returns when the frame is not one JSON object or array with nothing around it. */
export const NOT_ONE_VALUE: unique symbol = Symbol('not one value');

/**
 * The usual frame: one JSON object or array with nothing around it, parsed with one native parse
 * and no wrapper objects (the per-message path). NOT_ONE_VALUE for anything else: several values,
 * whitespace around it, a broken one — frameRequests tells those apart.
 */
export function oneValue(text: string): unknown {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if ((first !== 0x7b && first !== 0x5b) || (last !== 0x7d && last !== 0x5d)) return NOT_ONE_VALUE;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_ONE_VALUE;
  }
}

/**
 * The requests in one frame, as Janus 1.1.2's WebSocket transport reads it (measured against it):
 * JSON objects or arrays back to back, whitespace allowed before each, are each a request, in order.
 * Anything else anywhere — a broken value, a scalar, trailing whitespace, an empty frame — makes the
 * whole frame one error and none of its requests run.
 */
export function frameRequests(text: string): FrameRequests {
  const single = oneValue(text);
  if (single !== NOT_ONE_VALUE) return { requests: [single] };
  const requests: unknown[] = [];
  let i = 0;
  do {
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    const c = text.charCodeAt(i);
    if (i >= text.length) return { error: "'[' or '{' expected near end of file" };
    if (c !== 0x7b && c !== 0x5b) return { error: `'[' or '{' expected near '${tokenAt(text, i)}'` };
    const end = valueEnd(text, i);
    const value = text.slice(i, end < 0 ? text.length : end);
    try {
      requests.push(JSON.parse(value));
    } catch {
      return { error: parseError(value) };
    }
    i = end;
  } while (i < text.length);
  return { requests };
}
