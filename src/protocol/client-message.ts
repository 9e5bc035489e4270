/**
 * A client's plugin `message` read without parsing the whole frame: the relay path only needs its
 * ids and transaction, and Janus gets the client's `body` as the client wrote it (README, Benchmarks).
 *
 * Only the usual shape is taken: compact JSON with exactly the keys `janus` (`"message"`),
 * `session_id` and `handle_id` (positive safe integers), `transaction` (a string without escapes or
 * control characters) and `body` (an object), each once, in any order. Anything else — whitespace,
 * another verb, a `jsep`, a `token` or `apisecret`, any other key — is declined and the frame goes
 * the parsed way, which gives every error Janus would. Unlike Janus's own frames, a client's are not
 * trusted: the envelope is checked token by token, and the body is parsed once to check it, so a
 * frame taken here is valid JSON. The body reaches Janus as written: numbers keep the client's
 * spelling (`128000.0` stays a real, as it would direct to Janus; an integer beyond 2^53 stays exact).
 * test/unit/client-message.test.ts compares it with the parsed path over fuzzed frames.
 */
import { CLOSE_BRACE, COLON, COMMA, OPEN_BRACE, QUOTE, compactValueEnd, keyHasEscape, plainString, safeId, stringEnd, textAt } from './compact-json.js';

const NOT_SEEN = -1;

export class ClientMessage {
  private constructor(
    readonly sessionId: number,
    readonly handleId: number,
    readonly transaction: string,
    /** The `body` object as the client wrote it (valid compact JSON). */
    readonly body: string,
  ) {}

  /** The message in `text` when it has the usual shape (see the module comment); undefined otherwise. */
  static scan(text: string): ClientMessage | undefined {
    const last = text.length - 1;
    if (text.charCodeAt(0) !== OPEN_BRACE || text.charCodeAt(last) !== CLOSE_BRACE) return undefined;
    let seenJanus = false;
    let sessionId: number | undefined;
    let handleId: number | undefined;
    let transaction: string | undefined;
    let bodyAt = NOT_SEEN;
    let bodyEnd = NOT_SEEN;
    let i = 1;
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) return undefined;
      const keyEnd = stringEnd(text, i);
      if (keyEnd < 0 || text.charCodeAt(keyEnd) !== COLON || keyHasEscape(text, i, keyEnd)) return undefined;
      const at = keyEnd + 1;
      const end = compactValueEnd(text, at);
      if (end < 0) return undefined;
      // Keys compared with their quotes, told apart by length first; any other key declines.
      switch (keyEnd - i) {
        case 7: // "janus"
          if (seenJanus || !textAt(text, i, '"janus"') || end - at !== 9 || !textAt(text, at, '"message"')) return undefined;
          seenJanus = true;
          break;
        case 12: // "session_id"
          if (sessionId !== undefined || !textAt(text, i, '"session_id"')) return undefined;
          sessionId = safeId(text, at, end);
          if (sessionId === undefined) return undefined;
          break;
        case 11: // "handle_id"
          if (handleId !== undefined || !textAt(text, i, '"handle_id"')) return undefined;
          handleId = safeId(text, at, end);
          if (handleId === undefined) return undefined;
          break;
        case 13: // "transaction"
          if (transaction !== undefined || !textAt(text, i, '"transaction"') || !plainString(text, at, end)) return undefined;
          transaction = text.slice(at + 1, end - 1);
          break;
        case 6: // "body"
          if (bodyAt !== NOT_SEEN || !textAt(text, i, '"body"') || text.charCodeAt(at) !== OPEN_BRACE) return undefined;
          bodyAt = at;
          bodyEnd = end;
          break;
        default:
          return undefined;
      }
      const next = text.charCodeAt(end);
      if (next === COMMA) i = end + 1;
      else if (next === CLOSE_BRACE && end === last) break;
      else return undefined;
    }
    if (!seenJanus || sessionId === undefined || handleId === undefined || transaction === undefined || bodyAt === NOT_SEEN) return undefined;
    const body = text.slice(bodyAt, bodyEnd);
    // The structure scan does not check every token inside the body (`{"a":tru}`): the parse does,
    // and the parsed path answers a broken one with Janus's error.
    try {
      JSON.parse(body);
    } catch {
      return undefined;
    }
    return new ClientMessage(sessionId, handleId, transaction, body);
  }
}

/**
 * The backend frame of a plugin message whose body is compact JSON text, in the key order
 * BackendConnection.send writes the parsed message in (janus, session_id, transaction, handle_id,
 * body, then the backend's credentials, already written as `,"apisecret":…`). `transaction` must need
 * no escapes (the proxy's own backend transactions never do).
 */
export function messageFrame(sessionId: number, handleId: number, transaction: string, body: string, credentials: string): string {
  return `{"janus":"message","session_id":${sessionId},"transaction":"${transaction}","handle_id":${handleId},"body":${body}${credentials}}`;
}
