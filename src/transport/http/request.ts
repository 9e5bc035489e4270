/**
 * Pure helpers that read an HTTP Janus API request the way Janus 1.1.2's `janus_http.c` does:
 * path components, C-style number parsing of path and query values, the JSON body with Janus's
 * error texts, and ids from the path injected into the body.
 */
import { randomInt } from 'node:crypto';
import { JanusErrorCode as C } from '../../protocol/errors.js';
import { errorReply, isJsonInteger, isJsonObject, type JsonObject, type OutgoingMessage } from '../../protocol/messages.js';
import { nestsDeeperThan } from '../../protocol/frames.js';

/** Where a URL path points below the base path: `/<session>/<handle>`, as raw text. */
export type RequestTarget =
  | { kind: 'outside' }
  | { kind: 'api'; sessionPath: string | undefined; handlePath: string | undefined; tooDeep: boolean };

/** A base path as Janus stores it: starts with `/`, no trailing `/` (unless it is `/`). */
export function normalizeBasePath(basePath: string): string {
  return basePath.length > 1 && basePath.endsWith('/') ? basePath.slice(0, -1) : basePath;
}

/** Splits a URL path (no query) like Janus: empty components count as absent; a fourth one is an error. */
export function parseTarget(pathname: string, basePath: string): RequestTarget {
  let rest: string;
  if (basePath === '/') rest = pathname;
  else if (pathname === basePath) rest = '';
  else if (pathname.startsWith(`${basePath}/`)) rest = pathname.slice(basePath.length);
  else return { kind: 'outside' };
  const parts = rest.split('/');
  const sessionPath = parts[1] ? parts[1] : undefined;
  const handlePath = sessionPath !== undefined && parts[2] ? parts[2] : undefined;
  const tooDeep = handlePath !== undefined && Boolean(parts[3]);
  return { kind: 'api', sessionPath, handlePath, tooDeep };
}

/** `g_ascii_strtoull(text, NULL, 10)`: leading digits after optional blanks and `+`, else 0. */
export function pathId(text: string | undefined): number {
  const match = text === undefined ? null : /^\s*\+?(\d+)/.exec(text);
  return match ? Number(match[1]) : 0;
}

/** `atoi`: an optionally signed leading integer, else 0. */
export function cInt(text: string | null): number {
  const match = text === null ? null : /^\s*([+-]?\d+)/.exec(text);
  return match ? Number(match[1]) : 0;
}

/** How many events a long poll may carry: `maxev` absent or below 1 means one (a bare object). */
export function maxEvents(query: URLSearchParams): number {
  const n = cInt(query.get('maxev'));
  return n < 1 ? 1 : n;
}

const TRANSACTION_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** The 11-character transaction Janus invents for `GET /info` and the long poll's keepalive. */
export function randomTransaction(): string {
  let out = '';
  for (let i = 0; i < 11; i++) out += TRANSACTION_CHARS.charAt(randomInt(TRANSACTION_CHARS.length));
  return out;
}

function lineAt(text: string, position: number): number {
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 0x0a) line++;
  return line;
}

/** The first token, as jansson quotes it after "near". */
function firstToken(text: string): string {
  const match = /^\s*("(?:[^"\\]|\\.)*"|[^\s,\]}]+)/.exec(text);
  return match?.[1] ?? '';
}

/** Janus's `JSON error: on line N: …`; the text after the line is V8's reworded like jansson's where it can be. */
function jsonErrorReason(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : 'invalid JSON';
  const position = /at position (\d+)/.exec(message);
  const line = position ? lineAt(text, Number(position[1])) : lineAt(text, text.length);
  const token = /^Unexpected token '(.+?)'/.exec(message);
  let detail: string;
  if (message.startsWith('Unexpected end of JSON input')) detail = 'unexpected token near end of file';
  else if (token) detail = `unexpected token near '${token[1] ?? ''}'`;
  else if (message.startsWith('Unexpected non-whitespace character after JSON') && position) {
    detail = `end of file expected near '${text.charAt(Number(position[1]))}'`;
  } else detail = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^./, (c) => c.toLowerCase());
  return `JSON error: on line ${line}: ${detail}`;
}

/** A POST body decoded into a request object, or the error reply Janus sends for it. */
export function decodeBody(text: string): { payload: JsonObject } | { error: OutgoingMessage } {
  const start = /\S/.exec(text);
  // jansson (without JSON_DECODE_ANY) wants an array or object before it reads anything else.
  if (!start || (text[start.index] !== '{' && text[start.index] !== '[')) {
    const near = start ? `'${firstToken(text)}'` : 'end of file';
    return { error: errorReply(C.INVALID_JSON, `JSON error: on line ${lineAt(text, start?.index ?? text.length)}: '[' or '{' expected near ${near}`) };
  }
  // jansson's depth limit, checked before V8 has to recurse that deep.
  if (nestsDeeperThan(text)) {
    return { error: errorReply(C.INVALID_JSON, 'JSON error: on line 1: maximum parsing depth reached') };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: errorReply(C.INVALID_JSON, jsonErrorReason(text, err)) };
  }
  if (!isJsonObject(value)) return { error: errorReply(C.INVALID_JSON_OBJECT, 'JSON error: not an object') };
  return { payload: value };
}

/** `json_integer_value`: the integer, or 0 for anything else. */
function integerOr0(value: unknown): number {
  return isJsonInteger(value) ? value : 0;
}

/**
 * Fills `session_id`/`handle_id` from the path when the body has no integer one (a string or null
 * in the body is replaced), or answers 457 when the body's differs from the path's.
 */
export function injectPathIds(payload: JsonObject, sessionPath: string | undefined, handlePath: string | undefined): OutgoingMessage | undefined {
  const ids = [
    ['session_id', sessionPath, 'Conflicting session ID (payload and path)'],
    ['handle_id', handlePath, 'Conflicting handle ID (payload and path)'],
  ] as const;
  for (const [key, path, conflict] of ids) {
    const inBody = integerOr0(payload[key]);
    if (inBody !== 0 && path !== undefined && pathId(path) !== inBody) return errorReply(C.INVALID_REQUEST_PATH, conflict);
    if (inBody === 0 && pathId(path) > 0) payload[key] = pathId(path);
  }
  return undefined;
}
