// Helpers that look at real Janus servers through their Admin API, and common client flows.
import assert from 'node:assert/strict';
import { adminRequest, type JanusTestClient, type JanusMessage } from './janus-client.js';
import type { JanusInstance } from './janus-fixture.js';
import type { EchoPeer } from './werift-peer.js';

export async function listSessions(janus: JanusInstance): Promise<number[]> {
  const reply = await adminRequest(janus.adminWsUrl, janus.adminSecret, { janus: 'list_sessions' });
  return (reply.sessions as number[] | undefined) ?? [];
}

export async function listHandles(janus: JanusInstance, sessionId: number): Promise<number[]> {
  const reply = await adminRequest(janus.adminWsUrl, janus.adminSecret, { janus: 'list_handles', session_id: sessionId });
  return (reply.handles as number[] | undefined) ?? [];
}

/** Total number of handles on a Janus, over all its sessions. */
export async function countHandles(janus: JanusInstance): Promise<number> {
  let total = 0;
  for (const session of await listSessions(janus)) total += (await listHandles(janus, session)).length;
  return total;
}

/** The one Janus among `janus` whose handle count grew between two snapshots. */
export async function handleCounts(janus: readonly JanusInstance[]): Promise<number[]> {
  return Promise.all(janus.map((j) => countHandles(j)));
}

export type EchoSetup = { sessionId: number; handleId: number };

/** create + attach echotest through `client`. */
export async function echotestHandle(client: JanusTestClient): Promise<EchoSetup> {
  const sessionId = await client.createSession();
  const handleId = await client.attach(sessionId, 'janus.plugin.echotest');
  return { sessionId, handleId };
}

export function isEvent(kind: string, sender?: number): (m: JanusMessage) => boolean {
  return (m) => m.janus === kind && (sender === undefined || m.sender === sender);
}

/** Sessions on a Janus that hold at least one handle (the proxy's spare sessions hold none). */
export async function sessionsWithHandles(janus: JanusInstance): Promise<number[]> {
  const out: number[] = [];
  for (const session of await listSessions(janus)) if ((await listHandles(janus, session)).length > 0) out.push(session);
  return out;
}

/** The proxy's default number of spare backend sessions per Janus (`backends.spare_sessions`). */
export const DEFAULT_SPARE_SESSIONS = 2;

/** True when a Janus holds nothing of a client any more: no handles, at most the proxy's spare sessions. */
export async function onlySpareSessionsLeft(janus: JanusInstance, spares = DEFAULT_SPARE_SESSIONS): Promise<boolean> {
  const sessions = await listSessions(janus);
  return sessions.length <= spares && (await sessionsWithHandles(janus)).length === 0;
}

/** An EchoTest with real media on an attached handle: offer, answer, webrtcup, media events, echoed RTP. */
export async function runEchoMedia(client: JanusTestClient, sessionId: number, handleId: number, peer: EchoPeer): Promise<void> {
  const at = { session_id: sessionId, handle_id: handleId };
  const since = client.mark();
  const offer = await peer.createOffer();
  // Like janus.js: trickles go out right behind the offer, before its answer has come back.
  const messageTx = client.send({ janus: 'message', ...at, body: { audio: true, video: true }, jsep: offer });
  client.send({ janus: 'trickle', ...at, candidate: { completed: true } });
  const event = await client.waitFor((m) => m.transaction === messageTx && m.janus === 'event', 10_000, since);
  const jsep = event.jsep as { type: string; sdp: string };
  assert.equal(jsep.type, 'answer');
  await peer.setAnswer(jsep);
  await client.waitFor(isEvent('webrtcup', handleId), 10_000, since);
  await client.waitFor((m) => m.janus === 'media' && m.sender === handleId && m.type === 'audio' && m.receiving === true, 10_000, since);
  await client.waitFor((m) => m.janus === 'media' && m.sender === handleId && m.type === 'video' && m.receiving === true, 10_000, since);
  await peer.waitForRtp(10);
}

/** Offers `peer`'s media on an EchoTest handle (trickle completed at once) and waits for webrtcup. */
export async function negotiateEcho(client: JanusTestClient, setup: EchoSetup, peer: EchoPeer): Promise<void> {
  const at = { session_id: setup.sessionId, handle_id: setup.handleId };
  const since = client.mark();
  const tx = client.send({ janus: 'message', ...at, body: { audio: true, video: true }, jsep: await peer.createOffer() });
  client.send({ janus: 'trickle', ...at, candidate: { completed: true } });
  const answer = await client.waitFor((m) => m.transaction === tx && m.janus === 'event', 10_000, since);
  await peer.setAnswer(answer.jsep as { type: string; sdp: string });
  await client.waitFor(isEvent('webrtcup', setup.handleId), 10_000, since);
}
