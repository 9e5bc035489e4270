// Plugin requests over a JanusTestClient, for tests that drive a plugin's own API.
import assert from 'node:assert/strict';
import type { JanusMessage, JanusTestClient } from './janus-client.js';

export type Data = Record<string, unknown>;
export type At = { session_id: number; handle_id: number };

export function dataOf(m: JanusMessage): Data {
  return ((m.plugindata as { data?: Data } | undefined)?.data) ?? {};
}

/** A new session with one handle of `plugin`. */
export async function openHandle(client: JanusTestClient, plugin: string): Promise<At> {
  const session = await client.createSession();
  return { session_id: session, handle_id: await client.attach(session, plugin) };
}

/** A synchronous plugin request: its `success` data. */
export async function syncRequest(client: JanusTestClient, at: At, body: Data): Promise<Data> {
  const reply = await client.request({ janus: 'message', ...at, body });
  assert.equal(reply.janus, 'success', JSON.stringify(reply));
  return dataOf(reply);
}

/** An asynchronous plugin request: its event. */
export async function requestEvent(client: JanusTestClient, at: At, body: Data, jsep?: Data): Promise<JanusMessage> {
  const { event } = await client.requestWithEvent({ janus: 'message', ...at, body, ...(jsep ? { jsep } : {}) });
  return event;
}
