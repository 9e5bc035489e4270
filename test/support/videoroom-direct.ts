// Small helpers to drive the VideoRoom plugin with the test client: a handle, sync requests, and werift
// publishers/subscribers (direct to a Janus or through the proxy: the API is the same).
import assert from 'node:assert/strict';
import type { JanusMessage, JanusTestClient } from './janus-client.js';
import { createEchoPeer, createSubscriberPeer, type EchoPeer, type SubscriberPeer } from './werift-peer.js';

export type Data = Record<string, unknown>;
export type StreamInfo = { type: string; mindex: number; mid: string; codec?: string; [k: string]: unknown };

export type VideoRoomHandle = {
  client: JanusTestClient;
  sessionId: number;
  handleId: number;
  /** Sync request: the plugin data of the `success` reply. */
  sync(body: Data): Promise<Data>;
  /** Async request: the plugin data and jsep of its event (after the ack). */
  async(body: Data, jsep?: Data): Promise<{ data: Data; jsep: { type: string; sdp: string } | undefined; event: JanusMessage }>;
  /** The next plugin event (no transaction) matching `pred`, from frames since `since`. */
  waitEvent(pred: (data: Data) => boolean, timeoutMs?: number, since?: number): Promise<Data>;
  at: { session_id: number; handle_id: number };
};

export function pluginData(m: JanusMessage): Data {
  return ((m.plugindata as { data?: Data } | undefined)?.data) ?? {};
}

export async function videoRoomHandle(client: JanusTestClient, sessionId?: number): Promise<VideoRoomHandle> {
  const session = sessionId ?? (await client.createSession());
  const handle = await client.attach(session, 'janus.plugin.videoroom');
  const at = { session_id: session, handle_id: handle };
  return {
    client, sessionId: session, handleId: handle, at,
    async sync(body) {
      const reply = await client.request({ janus: 'message', ...at, body });
      assert.equal(reply.janus, 'success', JSON.stringify(reply));
      return pluginData(reply);
    },
    async async(body, jsep) {
      const { event } = await client.requestWithEvent({ janus: 'message', ...at, body, ...(jsep ? { jsep } : {}) }, { timeoutMs: 20_000 });
      return { data: pluginData(event), jsep: event.jsep as { type: string; sdp: string } | undefined, event };
    },
    waitEvent(pred, timeoutMs = 15_000, since = client.mark()) {
      return client.waitFor((m) => m.janus === 'event' && m.sender === handle && pred(pluginData(m)), timeoutMs, since).then(pluginData);
    },
  };
}

export type Publisher = { handle: VideoRoomHandle; peer: EchoPeer; id: number | string; privateId: number; streams: StreamInfo[]; joined: Data };

/** join as publisher, publish audio+video from a werift peer; resolves once webrtcup (or after `configured` if `waitUp` false). */
export async function publishWerift(
  client: JanusTestClient, room: number | string, opts: { iceAddress: string; display?: string; id?: number | string; audio?: boolean; video?: boolean },
): Promise<Publisher> {
  const handle = await videoRoomHandle(client);
  const joinBody: Data = { request: 'join', ptype: 'publisher', room, display: opts.display ?? 'werift' };
  if (opts.id !== undefined) joinBody.id = opts.id;
  const joined = await handle.async(joinBody);
  assert.equal(joined.data.videoroom, 'joined', JSON.stringify(joined.data));
  const peer = createEchoPeer({ iceAddress: opts.iceAddress, audio: opts.audio ?? true, video: opts.video ?? true });
  return closingOnFailure(peer, async () => {
    const since = client.mark();
    const offer = await peer.createOffer();
    const configured = await handle.async({ request: 'publish' }, offer);
    assert.equal(configured.data.configured, 'ok', JSON.stringify(configured.data));
    assert.ok(configured.jsep, 'publish answer');
    await peer.setAnswer(configured.jsep);
    await client.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle.handleId, 15_000, since);
    return {
      handle, peer, id: joined.data.id as number | string, privateId: joined.data.private_id as number,
      streams: configured.data.streams as StreamInfo[], joined: joined.data,
    };
  });
}

/**
 * Runs `negotiate`; if it fails the peer is closed before the error goes on. The caller never gets
 * a peer it could close, and one left open keeps the test process alive with its sockets and timers
 * (a join cut off by a killed proxy did that once in CI).
 */
async function closingOnFailure<T>(peer: { close(): Promise<void> }, negotiate: () => Promise<T>): Promise<T> {
  try {
    return await negotiate();
  } catch (error) {
    await peer.close().catch(() => undefined);
    throw error;
  }
}

export type Subscriber = { handle: VideoRoomHandle; peer: SubscriberPeer; attached: Data };

/** join as subscriber with `streams`, answer Janus's offer, start; resolves after `started`. */
export async function subscribeWerift(
  client: JanusTestClient, room: number | string, streams: Data[], opts: { iceAddress: string; privateId?: number },
): Promise<Subscriber> {
  const handle = await videoRoomHandle(client);
  const body: Data = { request: 'join', ptype: 'subscriber', room, streams };
  if (opts.privateId !== undefined) body.private_id = opts.privateId;
  const attached = await handle.async(body);
  assert.equal(attached.data.videoroom, 'attached', JSON.stringify(attached.data));
  assert.ok(attached.jsep, 'subscriber offer');
  const peer = createSubscriberPeer({ iceAddress: opts.iceAddress });
  return closingOnFailure(peer, async () => {
    const answer = await peer.answer(attached.jsep!);
    const started = await handle.async({ request: 'start' }, answer);
    assert.equal(started.data.started, 'ok', JSON.stringify(started.data));
    return { handle, peer, attached: attached.data };
  });
}
