// EchoTest: every peer sends audio+video to Janus and verifies that its own streams come back.
import { JanusApiError } from '../signalling.js';
import { streamIdAllocator, type PeerTask, type ScenarioPlan } from './plan.js';

export function echotestPlan(peers: number, worker: number): ScenarioPlan {
  const nextIds = streamIdAllocator(worker);
  const tasks: PeerTask[] = Array.from({ length: peers }, (_, i) => ({
    name: `echo-${String(worker)}-${String(i + 1)}`,
    async run(peer) {
      const signalling = await peer.open();
      await signalling.createSession();
      const handle = await signalling.attach('janus.plugin.echotest');
      const ids = nextIds();
      const pc = peer.createPc((_mid, kind) => ids[kind]);
      peer.addSenders('sendrecv', ids);
      const { jsep } = await signalling.message(handle, { audio: true, video: true }, await peer.offer());
      await signalling.trickleDone(handle);
      if (jsep?.type !== 'answer') throw new JanusApiError(undefined, 'echotest: no answer to the offer');
      await pc.setRemoteDescription({ type: 'answer', sdp: jsep.sdp });
      await peer.connected(jsep.sdp);
      await peer.firstMedia(2);
    },
  }));
  return { tasks, cleanup: () => Promise.resolve() };
}
