// Whole calls between two werift users through the proxy, for the media tests: VideoCall (media
// through the backend Janus chosen for the call) and P2P Call (media straight between the peers).
import assert from 'node:assert/strict';
import type { JanusInstance } from './janus-fixture.js';
import type { JanusMessage } from './janus-client.js';
import { connectCallUser, reconnectCallUser, resultOf, type CallUser } from './call-client.js';
import { createCallPeer, type CallPeer, type Jsep } from './call-peer.js';

export type Call = { caller: CallPeer; callee: CallPeer; backend?: JanusInstance };

/** The Janus whose veth address is in `sdp` (its candidates): the backend of the call. */
export function backendOf(sdp: string, janus: readonly JanusInstance[]): JanusInstance {
  const found = janus.find((j) => sdp.includes(` ${j.host} `));
  assert.ok(found, `no known Janus address in the SDP:\n${sdp}`);
  return found;
}

export async function register(user: CallUser, username: string): Promise<void> {
  const { event } = await user.send({ request: 'register', username });
  assert.equal(resultOf(event).event, 'registered', JSON.stringify(event));
}

/** The call users a test opened, in order, closed together at its end. */
export class CallUsers {
  private readonly all: CallUser[] = [];

  get list(): readonly CallUser[] {
    return this.all;
  }

  /** Keeps `user` to close at the end. */
  track(user: CallUser): CallUser {
    this.all.push(user);
    return user;
  }

  /** A new user of `plugin` on `url`, registered as `name`. */
  async registered(url: string, plugin: string, name: string): Promise<CallUser> {
    const user = this.track(await connectCallUser(url, plugin));
    await register(user, name);
    return user;
  }

  /** `user` reconnected to `url` with its session claimed there. */
  async reconnected(url: string, user: CallUser): Promise<CallUser> {
    return this.track(await reconnectCallUser(url, user));
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((u) => u.close()));
  }
}

/** Trickles every candidate the peer gathered, then end-of-candidates. */
export async function trickleAll(user: CallUser, peer: CallPeer): Promise<void> {
  for (const candidate of peer.candidates()) {
    const reply = await user.trickle({ candidate });
    assert.equal(reply.janus, 'ack', JSON.stringify(reply));
  }
  await user.trickle({ candidate: { completed: true } });
}

function jsepOf(m: JanusMessage): Jsep {
  const jsep = m.jsep as Jsep | undefined;
  assert.ok(jsep, `no jsep in ${JSON.stringify(m)}`);
  return jsep;
}

/**
 * VideoCall: the caller offers with no candidate in its SDP and trickles them all before `call`
 * (the proxy must hold them until the call's backend has the offer); the callee answers the offer
 * Janus makes it. The caller's peer cannot know the backend in advance, so it offers every address.
 */
export async function videoCall(caller: CallUser, callee: CallUser, calleeName: string, janus: readonly JanusInstance[]): Promise<Call> {
  const callerPeer = createCallPeer();
  const offer = await callerPeer.createOffer({ trickle: true, setupActive: true });
  await trickleAll(caller, callerPeer);
  const calleeSince = callee.client.mark();
  const callerSince = caller.client.mark();
  const { event: calling } = await caller.send({ request: 'call', username: calleeName }, offer);
  assert.equal(resultOf(calling).event, 'calling', JSON.stringify(calling));
  const incoming = await callee.waitEvent('incomingcall', calleeSince);
  const backend = backendOf(jsepOf(incoming).sdp, janus);
  const calleePeer = createCallPeer({ iceAddress: backend.peerAddress });
  const answer = await calleePeer.answer(jsepOf(incoming));
  const { event: accepted } = await callee.send({ request: 'accept' }, answer);
  assert.equal(resultOf(accepted).event, 'accepted', JSON.stringify(accepted));
  const acceptedByCallee = await caller.waitEvent('accepted', callerSince);
  await callerPeer.setAnswer(jsepOf(acceptedByCallee));
  return { caller: callerPeer, callee: calleePeer, backend };
}

/**
 * P2P Call over loopback: both peers send SDPs without candidates and trickle them, the caller
 * before `call` (held by the proxy until the callee has the offer), the callee after `accept`.
 * Candidates the proxy relays are fed to the peers as they arrive.
 */
export async function p2pCall(caller: CallUser, callee: CallUser, calleeName: string): Promise<Call> {
  const callerPeer = createCallPeer({ loopback: true });
  const calleePeer = createCallPeer({ loopback: true });
  relayTrickles(caller, callerPeer);
  relayTrickles(callee, calleePeer);
  const offer = await callerPeer.createOffer({ trickle: true });
  await trickleAll(caller, callerPeer);
  const calleeSince = callee.client.mark();
  const callerSince = caller.client.mark();
  const { event: calling } = await caller.send({ request: 'call', username: calleeName }, offer);
  assert.equal(resultOf(calling).event, 'calling', JSON.stringify(calling));
  const incoming = await callee.waitEvent('incomingcall', calleeSince);
  assert.equal(jsepOf(incoming).sdp, offer.sdp, 'the callee gets the caller\'s own offer');
  const answer = await calleePeer.answer(jsepOf(incoming), { trickle: true });
  const { event: accepted } = await callee.send({ request: 'accept' }, answer);
  assert.equal(resultOf(accepted).event, 'accepted', JSON.stringify(accepted));
  await trickleAll(callee, calleePeer);
  const acceptedByCallee = await caller.waitEvent('accepted', callerSince);
  assert.equal(jsepOf(acceptedByCallee).sdp, answer.sdp);
  await callerPeer.setAnswer(jsepOf(acceptedByCallee));
  return { caller: callerPeer, callee: calleePeer };
}

/** Feeds the trickle events a user receives to its peer (after the remote SDP, as a browser would). */
function relayTrickles(user: CallUser, peer: CallPeer): void {
  const seen = new Set<JanusMessage>();
  const pending: unknown[] = [];
  const pump = (): void => {
    for (const frame of user.client.frames) {
      if (seen.has(frame) || frame.janus !== 'trickle' || frame.sender !== user.handleId) continue;
      seen.add(frame);
      pending.push(frame.candidate);
    }
    if (!peer.pc.remoteDescription) return;
    for (const candidate of pending.splice(0)) peer.addRemoteCandidate(candidate).catch(() => undefined);
  };
  const timer = setInterval(pump, 20);
  timer.unref();
  peer.pc.connectionStateChange.subscribe((state) => {
    if (state === 'closed' || state === 'failed') clearInterval(timer);
  });
}

export async function expectMediaBothWays(call: Call, minPackets = 20, timeoutMs = 15_000): Promise<void> {
  await Promise.all([call.caller.waitForConnected(timeoutMs), call.callee.waitForConnected(timeoutMs)]);
  await Promise.all([call.caller.waitForRtp(minPackets, timeoutMs), call.callee.waitForRtp(minPackets, timeoutMs)]);
}

export async function closeCall(call: Call | undefined): Promise<void> {
  if (!call) return;
  await Promise.all([call.caller.close(), call.callee.close()]);
}
