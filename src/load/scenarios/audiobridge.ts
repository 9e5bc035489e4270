// AudioBridge: per room, a control session creates the room; every participant joins speaking G.711
// µ-law (a sine tone of its own pitch) and checks that the mix Janus sends back is not silent: only
// loud packets count as received media, and quiet gaps in the mix count as lost (see tone.ts).
import type { LoadPeer, PeerSettings } from '../load-peer.js';
import { JanusApiError } from '../signalling.js';
import type { RawStats } from '../stats.js';
import { isLoud } from '../tone.js';
import { closeControl, openControl, type Control } from './control.js';
import { streamIdAllocator, type PeerTask, type ScenarioPlan } from './plan.js';

export type AudioBridgeShape = { rooms: number[]; participants: number };

const PLUGIN = 'janus.plugin.audiobridge';

/** Distinct pitches (300–1060 Hz): a participant's voice stays recognisable in a recording of the mix. */
const pitch = (index: number): number => 300 + 40 * (index % 20);

async function participate(peer: LoadPeer, room: { id: number; ready: () => Promise<Control> }, index: number, mixId: number): Promise<void> {
  await room.ready();
  const signalling = await peer.open();
  await signalling.createSession();
  const handle = await signalling.attach(PLUGIN);
  await signalling.message(handle, { request: 'join', room: room.id, display: peer.name, codec: 'pcmu' });
  // The mix a participant hears is one stream, whatever the number of others in it.
  const pc = peer.createPc((_mid, kind) => (kind === 'audio' ? mixId : undefined), { codecs: 'pcmu', sequence: { accept: isLoud } });
  peer.addToneSender(pitch(index));
  const { jsep } = await signalling.message(handle, { request: 'configure', muted: false }, await peer.offer());
  if (jsep?.type !== 'answer') throw new JanusApiError(undefined, 'audiobridge: no answer to the offer');
  await pc.setRemoteDescription({ type: 'answer', sdp: jsep.sdp });
  await peer.connected(jsep.sdp);
  // The first participant of a room hears the others once they are in: its setup lasts until then.
  await peer.firstMedia(1);
}

/** `roomBase`: the id of room 0; `shape.rooms`: the room numbers this worker drives. */
export function audiobridgePlan(shape: AudioBridgeShape, roomBase: number, worker: number, settings: PeerSettings, stats: RawStats): ScenarioPlan {
  const nextIds = streamIdAllocator(worker);
  const rooms: { id: number; created: () => Promise<Control> | undefined }[] = [];
  const tasks: PeerTask[] = [];
  for (const r of shape.rooms) {
    const id = roomBase + r;
    // Created by the room's first participant to start, so a run stopped early creates no unused room.
    let ready: Promise<Control> | undefined;
    const room = { id, ready: () => (ready ??= openControl(settings, stats, PLUGIN, { request: 'create', room: id, description: 'janus-load' })) };
    rooms.push({ id, created: () => ready });
    for (let p = 0; p < shape.participants; p++) {
      const mixId = nextIds().audio;
      tasks.push({ name: `room${String(id)}-part${String(p + 1)}`, run: (peer) => participate(peer, room, p, mixId) });
    }
  }
  return {
    tasks,
    async cleanup() {
      await Promise.allSettled(rooms.map(({ id, created }) => closeControl(created(), { request: 'destroy', room: id })));
    },
  };
}
