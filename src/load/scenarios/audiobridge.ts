// AudioBridge: per room, a control session creates the room; every participant joins speaking G.711
// µ-law, a sine tone of its own pitch, and checks WHOSE audio the mix Janus sends back carries (see
// tone.ts): a frame counts as received media only when every other participant who has been speaking
// for a while is in it, and as wrong media when the participant's own voice is (AudioBridge leaves
// each participant's own voice out of its mix). Frames missing a voice count as lost.
import type { LoadPeer, PeerSettings } from '../load-peer.js';
import { JanusApiError } from '../signalling.js';
import type { RawStats } from '../stats.js';
import type { SequenceCheck } from '../synthetic-media.js';
import { amplitudeAt, decodePcmu, DISTINCT_PITCHES, pitchOf, toneAmplitude } from '../tone.js';
import { closeControl, openControl, type Control } from './control.js';
import { streamIdAllocator, type PeerTask, type ScenarioPlan } from './plan.js';

export type AudioBridgeShape = { rooms: number[]; participants: number };

const PLUGIN = 'janus.plugin.audiobridge';

/**
 * A voice is expected in the mix once it has been sent this long: the time its first packets take
 * through AudioBridge's per-participant queue and mixer to the others (well under this).
 */
const VOICE_SETTLE_MS = 1000;
/** A voice is in a frame at this share of its sent amplitude or more (the mixer passes it at ~100 %). */
const HEARD_SHARE = 0.3;
/** The participant's own voice is in the mix above this share (AudioBridge subtracts it exactly). */
const OWN_VOICE_SHARE = 0.1;

type Voice = { peer: LoadPeer; pitch: number };

/** The voices of one room, as its participants start speaking. */
class RoomVoices {
  private readonly voices = new Map<number, Voice>();
  private stopped = false;

  constructor(readonly participants: number) {}

  add(index: number, voice: Voice): void {
    this.voices.set(index, voice);
  }

  /** After the stop, frames still arriving miss voices that stopped first: none counts any more. */
  stop(): void {
    this.stopped = true;
  }

  /** Checks one mix frame received by participant `self`. */
  check(self: number): SequenceCheck {
    const amplitude = toneAmplitude(this.participants);
    const ownPitch = pitchOf(self);
    // Past DISTINCT_PITCHES participants pitches repeat: then the own voice cannot be told apart.
    const ownUnique = this.participants <= DISTINCT_PITCHES;
    return (payload) => {
      if (this.stopped) return false;
      const expected = [...this.voices.entries()]
        .filter(([index, v]) => index !== self && (v.peer.sendingForMs() ?? 0) >= VOICE_SETTLE_MS)
        .map(([, v]) => v.pitch);
      if (expected.length === 0) return false;
      const samples = decodePcmu(payload);
      if (ownUnique && amplitudeAt(samples, ownPitch) > OWN_VOICE_SHARE * amplitude) return 'wrong';
      return expected.every((pitch) => amplitudeAt(samples, pitch) >= HEARD_SHARE * amplitude);
    };
  }
}

type Room = { id: number; voices: RoomVoices; ready: () => Promise<Control> };

async function participate(peer: LoadPeer, room: Room, index: number, mixId: number): Promise<void> {
  await room.ready();
  const signalling = await peer.open();
  await signalling.createSession();
  const handle = await signalling.attach(PLUGIN);
  await signalling.message(handle, { request: 'join', room: room.id, display: peer.name, codec: 'pcmu' });
  // The mix a participant hears is one stream, whatever the number of others in it.
  const pc = peer.createPc((_mid, kind) => (kind === 'audio' ? mixId : undefined), { codecs: 'pcmu', sequence: { accept: room.voices.check(index) } });
  peer.addToneSender(pitchOf(index), toneAmplitude(room.voices.participants));
  room.voices.add(index, { peer, pitch: pitchOf(index) });
  const { jsep } = await signalling.message(handle, { request: 'configure', muted: false }, await peer.offer());
  if (jsep?.type !== 'answer') throw new JanusApiError(undefined, 'audiobridge: no answer to the offer');
  await pc.setRemoteDescription({ type: 'answer', sdp: jsep.sdp });
  await peer.connected(jsep.sdp);
  // The first participant of a room hears the others once they speak: its setup lasts until then.
  await peer.firstMedia(1);
}

/** `roomBase`: the id of room 0; `shape.rooms`: the room numbers this worker drives (whole rooms: voices are checked per room). */
export function audiobridgePlan(shape: AudioBridgeShape, roomBase: number, worker: number, settings: PeerSettings, stats: RawStats): ScenarioPlan {
  const nextIds = streamIdAllocator(worker);
  const rooms: { id: number; voices: RoomVoices; created: () => Promise<Control> | undefined }[] = [];
  const tasks: PeerTask[] = [];
  for (const r of shape.rooms) {
    const id = roomBase + r;
    // Created by the room's first participant to start, so a run stopped early creates no unused room.
    let ready: Promise<Control> | undefined;
    const voices = new RoomVoices(shape.participants);
    const room: Room = { id, voices, ready: () => (ready ??= openControl(settings, stats, PLUGIN, { request: 'create', room: id, description: 'janus-load' })) };
    rooms.push({ id, voices, created: () => ready });
    for (let p = 0; p < shape.participants; p++) {
      const mixId = nextIds().audio;
      tasks.push({ name: `room${String(id)}-part${String(p + 1)}`, run: (peer) => participate(peer, room, p, mixId) });
    }
  }
  return {
    tasks,
    stopMedia: () => { for (const room of rooms) room.voices.stop(); },
    async cleanup() {
      await Promise.allSettled(rooms.map(({ id, created }) => closeControl(created(), { request: 'destroy', room: id })));
    },
  };
}
