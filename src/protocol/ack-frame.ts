/**
 * Janus's `ack` of a plugin message, read without JSON.parse: it comes once per relayed message and
 * always has one compact shape, `{"janus":"ack","session_id":N,"transaction":"T"}`. Anything else
 * (a hint, another key order, whitespace, escapes) is left to JSON.parse; what this returns is the
 * object JSON.parse would (test/unit/ack-frame.test.ts).
 */
import type { JsonObject } from './messages.js';

const PREFIX = '{"janus":"ack","session_id":';
const TRANSACTION_KEY = ',"transaction":"';
const SUFFIX = '"}';

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
  const transactionEnd = text.length - SUFFIX.length;
  // `..."transaction":"}`: the value's opening quote is the suffix's.
  if (transactionEnd < transactionAt) return undefined;
  for (let j = transactionAt; j < transactionEnd; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22 || c === 0x5c || c < 0x20) return undefined; // a quote, an escape, a control character
  }
  return { janus: 'ack', session_id: sessionId, transaction: text.slice(transactionAt, transactionEnd) };
}
