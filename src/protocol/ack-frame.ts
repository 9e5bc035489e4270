/**
 * Janus's `ack` of a plugin message, read without JSON.parse: it comes once per relayed message and
 * always has one compact shape, `{"janus":"ack","session_id":N,"transaction":"T"}`, with
 * `,"hint":"H"` after the transaction when the plugin gave one (the EchoTest always does: "I'm
 * taking my time!"). Anything else (another key order, whitespace, escapes) is left to JSON.parse;
 * what this returns is the object JSON.parse would (test/unit/ack-frame.test.ts).
 */
import type { JsonObject } from './messages.js';

const PREFIX = '{"janus":"ack","session_id":';
const TRANSACTION_KEY = ',"transaction":"';
const HINT_KEY = '","hint":"';
const SUFFIX = '"}';

/** Whether text[from, to) is a string's contents without quotes, escapes or control characters (its value is then itself). */
function plainContents(text: string, from: number, to: number): boolean {
  for (let j = from; j < to; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22 || c === 0x5c || c < 0x20) return false;
  }
  return true;
}

export function readAck(text: string): JsonObject | undefined {
  if (!text.startsWith(PREFIX) || !text.endsWith(SUFFIX)) return undefined;
  let i = PREFIX.length;
  const digitsAt = i;
  let sessionId = 0;
  for (; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) break;
    sessionId = sessionId * 10 + digit;
  }
  // A positive integer without leading zeros that JSON.parse reads exactly (digit by digit is exact below 2^53).
  if (i === digitsAt || text.charCodeAt(digitsAt) === 0x30 || sessionId > Number.MAX_SAFE_INTEGER) return undefined;
  if (!text.startsWith(TRANSACTION_KEY, i)) return undefined;
  const transactionAt = i + TRANSACTION_KEY.length;
  const end = text.length - SUFFIX.length;
  // `..."transaction":"}`: the value's opening quote is the suffix's.
  if (end < transactionAt) return undefined;
  // A plain transaction has no quote, so the first `","hint":"` after it can only be the hint's key.
  const hintKeyAt = text.indexOf(HINT_KEY, transactionAt);
  if (hintKeyAt < 0 || hintKeyAt >= end) {
    if (!plainContents(text, transactionAt, end)) return undefined;
    return { janus: 'ack', session_id: sessionId, transaction: text.slice(transactionAt, end) };
  }
  const hintAt = hintKeyAt + HINT_KEY.length;
  if (hintAt > end || !plainContents(text, transactionAt, hintKeyAt) || !plainContents(text, hintAt, end)) return undefined;
  return { janus: 'ack', session_id: sessionId, transaction: text.slice(transactionAt, hintKeyAt), hint: text.slice(hintAt, end) };
}
