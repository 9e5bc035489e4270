/**
 * Reading compact JSON text in place (no whitespace outside strings): where a key or value ends,
 * integer ids read digit by digit, literals compared without slicing: what RelayedEvent's scan of a
 * plugin event is made of, kept apart from the event's own rules.
 */
import { isSpace, valueEnd as nestedValueEnd } from './frames.js';

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Index just past the string whose opening quote is at `start`; -1 if it never closes. */
export function stringEnd(text: string, start: number): number {
  const quote = text.indexOf('"', start + 1);
  if (quote < 0) return -1;
  if (text.charCodeAt(quote - 1) !== BACKSLASH) return quote + 1;
  // An escape before it: step through escapes to find the real end.
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** Index just past a number, true, false or null at `start` (up to the next `,` or `}`); -1 if empty or spaced. */
function scalarEnd(text: string, start: number): number {
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === CLOSE_BRACE) break;
    if (isSpace(c) || c === QUOTE || c === OPEN_BRACE || c === OPEN_BRACKET || c === CLOSE_BRACKET || c === COLON) return -1;
  }
  return i > start ? i : -1;
}

/** Index just past the value starting at `start` (its structure only, not every token); -1 if it does not end or is spaced. */
export function compactValueEnd(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === QUOTE) return stringEnd(text, start);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) return nestedValueEnd(text, start, true);
  return scalarEnd(text, start);
}

/** The id written in text[start, end) when it is a plain positive integer JSON.parse reads exactly; else undefined. */
export function safeId(text: string, start: number, end: number): number | undefined {
  if (end <= start || text.charCodeAt(start) === 0x30) return undefined; // JSON has no leading zeros
  // Digit by digit: exact while the value is a safe integer, and Number() of the slice costs more.
  let id = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    id = id * 10 + digit;
  }
  return id <= Number.MAX_SAFE_INTEGER ? id : undefined;
}

/** Whether `literal` is written in `text` at `at` (charCodeAt: cheaper here than startsWith). */
export function textAt(text: string, at: number, literal: string): boolean {
  for (let i = 0; i < literal.length; i++) if (text.charCodeAt(at + i) !== literal.charCodeAt(i)) return false;
  return true;
}

/**
 * Whether text[start, end) is a string literal without escapes or control characters: its contents
 * are then its value, and it is valid JSON as written.
 */
export function plainString(text: string, start: number, end: number): boolean {
  if (text.charCodeAt(start) !== QUOTE) return false;
  for (let i = start + 1; i < end - 1; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH || c < 0x20) return false;
  }
  return true;
}

/** Whether the key text[start, end) (quotes included) has an escape, which could spell another key (`"jan\u0075s"`). */
export function keyHasEscape(text: string, start: number, end: number): boolean {
  for (let k = start + 1; k < end - 1; k++) if (text.charCodeAt(k) === BACKSLASH) return true;
  return false;
}
