/**
 * A plugin `event` from Janus passed on without parsing it: the relay path only needs its routing
 * ids and its transaction, and the client gets Janus's own bytes with those replaced. Parsing the
 * event and serialising it again cost about twice as much as this scan and rewrite (README, Benchmarks).
 *
 * Only the common shape is taken: compact JSON (what the generated Janus configs write), a top-level
 * `"janus":"event"` with integer `session_id` and `sender`, an optional transaction without escapes,
 * no `jsep`, none of those keys twice. Anything else (whitespace, another kind, an SDP) is declined,
 * and the frame goes the parsed way. Janus's serialiser (jansson) writes valid JSON, as the backend
 * connection already trusts for UTF-8: the scan checks the structure, not every token (a malformed
 * frame, which the parsed path would drop, would reach the client as it came). Values keep Janus's
 * spelling: the client gets the same JSON value as from the parsed path, except that an integer
 * beyond 2^53 arrives exact where JSON.parse would have rounded it.
 * test/unit/relayed-event.test.ts compares it with the parsed path over real and fuzzed events.
 */
import { isSpace, stringEnd, valueEnd as nestedValueEnd } from './frames.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Index just past a number, true, false or null at `start` (up to the next `,` or `}`); -1 if empty or spaced. */
function scalarEnd(text: string, start: number): number {
  let i = start;
  // Digits first, with one test each: the ids are 16 of them.
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
  }
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === CLOSE_BRACE) break;
    if (isSpace(c) || c === QUOTE || c === OPEN_BRACE || c === OPEN_BRACKET || c === CLOSE_BRACKET || c === COLON) return -1;
  }
  return i > start ? i : -1;
}

function valueEnd(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === QUOTE) return stringEnd(text, start);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) return nestedValueEnd(text, start, true);
  return scalarEnd(text, start);
}

/** The id written in text[start, end) when it is a plain positive integer JSON.parse reads exactly; else undefined. */
function safeId(text: string, start: number, end: number): number | undefined {
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
function textAt(text: string, at: number, literal: string): boolean {
  for (let i = 0; i < literal.length; i++) if (text.charCodeAt(at + i) !== literal.charCodeAt(i)) return false;
  return true;
}

/** Whether text[start, end) is a string literal without escapes (its contents are then its value); `escapes`: whether `text` has any backslash. */
function plainString(text: string, start: number, end: number, escapes: boolean): boolean {
  if (text.charCodeAt(start) !== QUOTE) return false;
  if (escapes) for (let i = start + 1; i < end - 1; i++) if (text.charCodeAt(i) === BACKSLASH) return false;
  return true;
}

const NOT_SEEN = -1;

/** `at` if the edit there is still ahead of `from`, else never. */
function notBefore(at: number, from: number): number {
  return at >= from ? at : Number.POSITIVE_INFINITY;
}

export class RelayedEvent {
  private constructor(
    private readonly text: string,
    readonly sessionId: number,
    readonly sender: number,
    /** The backend transaction it answers, if it names one. */
    readonly transaction: string | undefined,
    private readonly sessionAt: number,
    private readonly sessionEnd: number,
    private readonly senderAt: number,
    private readonly senderEnd: number,
    /** Where the transaction's `"transaction":` key starts and where its value starts and ends. */
    private readonly transactionKeyAt: number,
    private readonly transactionAt: number,
    private readonly transactionEnd: number,
  ) {}

  /**
   * The event in `text` when it has the common shape (see the module comment) and `takes` wants it;
   * undefined otherwise. `takes` is asked as soon as both ids are read (before the plugin data, in
   * Janus's key order), so an event nobody takes unparsed costs little more than its first keys.
   */
  static scan(text: string, takes: (sessionId: number, sender: number) => boolean = () => true): RelayedEvent | undefined {
    const last = text.length - 1;
    if (text.charCodeAt(0) !== OPEN_BRACE || text.charCodeAt(last) !== CLOSE_BRACE || text.charCodeAt(1) !== QUOTE) return undefined;
    // Most events have no backslash at all: one native search spares the per-key escape checks.
    const escapes = text.includes('\\');
    let sessionAt = NOT_SEEN;
    let sessionEnd = NOT_SEEN;
    let senderAt = NOT_SEEN;
    let senderEnd = NOT_SEEN;
    let transactionKeyAt = NOT_SEEN;
    let transactionAt = NOT_SEEN;
    let transactionEnd = NOT_SEEN;
    let seenJanus = false;
    let sessionId: number | undefined;
    let sender: number | undefined;
    let i = 1;
    for (;;) {
      if (sender === undefined && senderAt !== NOT_SEEN && sessionAt !== NOT_SEEN) {
        sessionId = safeId(text, sessionAt, sessionEnd);
        sender = safeId(text, senderAt, senderEnd);
        if (sessionId === undefined || sender === undefined || !takes(sessionId, sender)) return undefined;
      }
      if (text.charCodeAt(i) !== QUOTE) return undefined;
      const keyEnd = stringEnd(text, i);
      if (keyEnd < 0 || text.charCodeAt(keyEnd) !== COLON) return undefined;
      // An escape in a key could spell one of the keys below (`"jan\u0075s"`): jansson writes none.
      if (escapes) for (let k = i + 1; k < keyEnd - 1; k++) if (text.charCodeAt(k) === BACKSLASH) return undefined;
      const at = keyEnd + 1;
      const end = valueEnd(text, at);
      if (end < 0) return undefined;
      // Keys compared with their quotes, told apart by length first.
      switch (keyEnd - i) {
        case 7: // "janus"
          if (!textAt(text, i, '"janus"')) break;
          if (seenJanus || end - at !== 7 || !textAt(text, at, '"event"')) return undefined;
          seenJanus = true;
          break;
        case 12: // "session_id"
          if (!textAt(text, i, '"session_id"')) break;
          if (sessionAt !== NOT_SEEN) return undefined;
          sessionAt = at;
          sessionEnd = end;
          break;
        case 8: // "sender"
          if (!textAt(text, i, '"sender"')) break;
          if (senderAt !== NOT_SEEN) return undefined;
          senderAt = at;
          senderEnd = end;
          break;
        case 13: // "transaction"
          if (!textAt(text, i, '"transaction"')) break;
          if (transactionAt !== NOT_SEEN || !plainString(text, at, end, escapes)) return undefined;
          transactionKeyAt = i;
          transactionAt = at;
          transactionEnd = end;
          break;
        case 6: // "jsep": an SDP, and the parsed path records that a PeerConnection may exist
          if (textAt(text, i, '"jsep"')) return undefined;
          break;
        default:
          break;
      }
      const next = text.charCodeAt(end);
      if (next === COMMA) i = end + 1;
      else if (next === CLOSE_BRACE && end === last) break;
      else return undefined;
    }
    if (!seenJanus || sessionAt === NOT_SEEN || senderAt === NOT_SEEN) return undefined;
    if (sender === undefined) {
      sessionId = safeId(text, sessionAt, sessionEnd);
      sender = safeId(text, senderAt, senderEnd);
      if (sessionId === undefined || sender === undefined || !takes(sessionId, sender)) return undefined;
    }
    if (sessionId === undefined) return undefined;
    const transaction = transactionAt === NOT_SEEN ? undefined : text.slice(transactionAt + 1, transactionEnd - 1);
    return new RelayedEvent(text, sessionId, sender, transaction, sessionAt, sessionEnd, senderAt, senderEnd, transactionKeyAt, transactionAt, transactionEnd);
  }

  /**
   * The event as the client gets it, in compact JSON: the client's session and handle ids (their
   * decimal text) in place of Janus's, and the client's transaction in place of the backend's (the key removed when
   * `transaction` is undefined and the event had one). Everything else is Janus's bytes, in order.
   */
  rewrite(sessionText: string, senderText: string, transaction: string | undefined): string {
    const text = this.text;
    // The transaction's edit: its value replaced, or the key removed with one comma beside it (the
    // leading one; for the first key the one after it, as `janus` follows).
    let transactionAt = this.transactionAt;
    let transactionEnd = this.transactionEnd;
    let transactionText = '';
    if (transactionAt === NOT_SEEN) transactionAt = Number.POSITIVE_INFINITY;
    else if (transaction !== undefined) transactionText = JSON.stringify(transaction);
    else if (text.charCodeAt(this.transactionKeyAt - 1) === COMMA) transactionAt = this.transactionKeyAt - 1;
    else {
      transactionAt = this.transactionKeyAt;
      transactionEnd++;
    }
    // The edits do not overlap: each step applies the first one not passed yet.
    let out = '';
    let from = 0;
    for (;;) {
      const next = Math.min(notBefore(this.sessionAt, from), notBefore(this.senderAt, from), notBefore(transactionAt, from));
      if (next === Number.POSITIVE_INFINITY) return out + text.slice(from);
      out += text.slice(from, next);
      if (next === this.sessionAt) {
        out += sessionText;
        from = this.sessionEnd;
      } else if (next === this.senderAt) {
        out += senderText;
        from = this.senderEnd;
      } else {
        out += transactionText;
        from = transactionEnd;
      }
    }
  }
}
