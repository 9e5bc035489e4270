// VideoCall pairs: a callee registers, a caller registers and calls it, both send audio+video and each
// verifies that the other's streams arrive (relayed by Janus, or by two Janus through the proxy).
import type { LoadPeer } from '../load-peer.js';
import { JanusApiError, type Signalling } from '../signalling.js';
import type { Kind } from '../werift-peer.js';
import { streamIdAllocator, type PeerTask, type ScenarioPlan } from './plan.js';

const CALL_TIMEOUT_MS = 20_000;

async function register(peer: LoadPeer, username: string): Promise<{ signalling: Signalling; handle: number }> {
  const signalling = await peer.open();
  await signalling.createSession();
  const handle = await signalling.attach('janus.plugin.videocall');
  await signalling.message(handle, { request: 'register', username });
  return { signalling, handle };
}

type Pair = { calleeName: string; callee: Record<Kind, number>; caller: Record<Kind, number>; calleeReady: Promise<void> };

async function callee(peer: LoadPeer, pair: Pair, ready: (p: Promise<void>) => void): Promise<void> {
  const registering = register(peer, pair.calleeName);
  ready(registering.then(() => undefined));
  const { signalling, handle } = await registering;
  const since = signalling.mark();
  peer.createPc((_mid, kind) => pair.caller[kind]);
  // Added before the offer arrives: werift sends on them for the offered m-lines.
  peer.addSenders('sendrecv', pair.callee);
  const incoming = await signalling.waitForResult('incomingcall', handle, since, CALL_TIMEOUT_MS);
  if (incoming.jsep?.type !== 'offer') throw new JanusApiError(undefined, 'incomingcall without an offer');
  const answer = await peer.answer(incoming.jsep.sdp);
  await signalling.message(handle, { request: 'accept' }, answer);
  await peer.connected(incoming.jsep.sdp);
  await peer.firstMedia(2);
}

async function caller(peer: LoadPeer, pair: Pair, username: string): Promise<void> {
  await pair.calleeReady;
  const { signalling, handle } = await register(peer, username);
  const pc = peer.createPc((_mid, kind) => pair.callee[kind]);
  peer.addSenders('sendrecv', pair.caller);
  const since = signalling.mark();
  await signalling.message(handle, { request: 'call', username: pair.calleeName }, await peer.offer());
  const accepted = await signalling.waitForResult('accepted', handle, since, CALL_TIMEOUT_MS);
  if (accepted.jsep?.type !== 'answer') throw new JanusApiError(undefined, 'accepted without an answer');
  await pc.setRemoteDescription({ type: 'answer', sdp: accepted.jsep.sdp });
  await peer.connected(accepted.jsep.sdp);
  await peer.firstMedia(2);
}

/** `peers` rounded up to pairs; usernames carry `runId` so that concurrent runs do not collide. */
export function videocallPlan(peers: number, runId: number, worker: number): ScenarioPlan {
  const nextIds = streamIdAllocator(worker);
  const tasks: PeerTask[] = [];
  for (let i = 0; i < Math.ceil(peers / 2); i++) {
    const prefix = `load-${String(runId)}-${String(worker)}-${String(i + 1)}`;
    let ready!: (p: Promise<void>) => void;
    const calleeReady = new Promise<Promise<void>>((resolve) => { ready = resolve; }).then((p) => p);
    calleeReady.catch(() => undefined); // the callee's own failure is counted; its caller sees it later
    const pair: Pair = { calleeName: `${prefix}-callee`, callee: nextIds(), caller: nextIds(), calleeReady };
    tasks.push({ name: `${prefix}-callee`, run: (peer) => callee(peer, pair, ready) });
    tasks.push({ name: `${prefix}-caller`, run: (peer) => caller(peer, pair, `${prefix}-caller`) });
  }
  return { tasks, cleanup: () => Promise.resolve() };
}
