/** Janus API message shapes, as sent to and received from clients and backends. */

export type JsonObject = Record<string, unknown>;

/** Any message the proxy sends to a client; key order follows Janus (janus, session_id, transaction, …). */
export interface OutgoingMessage {
  janus: string;
  session_id?: number;
  transaction?: string;
  sender?: number;
  [key: string]: unknown;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON integers as Janus reads them: a number with no fractional part. */
export function isJsonInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

export function errorReply(
  code: number,
  reason: string,
  sessionId?: number,
  transaction?: string,
): OutgoingMessage {
  const msg: OutgoingMessage = { janus: 'error' };
  if (sessionId) msg.session_id = sessionId;
  if (transaction !== undefined) msg.transaction = transaction;
  msg.error = { code, reason };
  return msg;
}

export function successReply(sessionId: number | undefined, transaction: string, extra?: JsonObject): OutgoingMessage {
  const msg: OutgoingMessage = { janus: 'success' };
  if (sessionId) msg.session_id = sessionId;
  msg.transaction = transaction;
  return extra ? Object.assign(msg, extra) : msg;
}

export function ackReply(sessionId: number, transaction: string, hint?: string): OutgoingMessage {
  const msg: OutgoingMessage = { janus: 'ack', session_id: sessionId, transaction };
  if (hint !== undefined) msg.hint = hint;
  return msg;
}

/**
 * ackReply written as compact JSON directly (a relayed message's ack: no object to serialise). Ids
 * come as their decimal text (idText), made once per session or handle.
 */
export function ackJson(sessionIdText: string, transaction: string, hint?: string): string {
  const hinted = hint === undefined ? '' : `,"hint":${JSON.stringify(hint)}`;
  return `{"janus":"ack","session_id":${sessionIdText},"transaction":${JSON.stringify(transaction)}${hinted}}`;
}

/**
 * The backend frame of a plugin message whose body is already JSON text, in the key order the
 * message object had (janus, session_id, transaction, handle_id, body, then the backend's
 * credentials, already written as `,"apisecret":…`).
 */
export function messageFrame(sessionIdText: string, handleIdText: string, transaction: string, body: string, credentials: string): string {
  return `{"janus":"message","session_id":${sessionIdText},"transaction":${JSON.stringify(transaction)},"handle_id":${handleIdText},"body":${body}${credentials}}`;
}

/** Serialisation styles of Janus's `json` transport option. */
export type JsonFormat = 'indented' | 'plain' | 'compact';

export function serialize(msg: unknown, format: JsonFormat): string {
  // Janus "plain" and "compact" both put everything on one line; "indented" uses 4 spaces per level.
  return format === 'indented' ? JSON.stringify(msg, null, 4) : JSON.stringify(msg);
}
