// AudioBridge media a receiver can check without an Opus codec: participants speak G.711 µ-law (which
// AudioBridge accepts and mixes), each a sine tone of its own pitch, and a receiver decodes the mix it
// gets back and measures, per 20 ms frame, the amplitude of every participant's pitch (Goertzel): so
// "received" means "heard these participants, and not myself", not "packets".
import { RtpHeader, RtpPacket } from 'werift';
import type { RtpSink, SendCounters } from './synthetic-media.js';

const RATE = 8000;
const FRAME_SAMPLES = 160;
const FRAME_MS = 20;
const PCMU_PT = 0;
/** What a tone sender sends: 160 bytes every 20 ms. */
export const PCMU_KBPS = 64;
/** A quarter of full scale: several tones mixed together do not clip much. */
const AMPLITUDE = 8000;
/** The peak of a whole mix stays below full scale (AudioBridge clips a sum that overflows). */
const MIX_PEAK = 24_000;

/** The amplitude of each participant's tone in a room of `participants`: the mix of the others never clips. */
export const toneAmplitude = (participants: number): number => Math.min(AMPLITUDE, Math.floor(MIX_PEAK / Math.max(1, participants - 1)));

/** Distinct pitches a room can have before they repeat. */
export const DISTINCT_PITCHES = 30;

/**
 * A participant's pitch: 350, 450, … 3250 Hz. Each is a whole number of cycles in a 160-sample frame
 * (a multiple of 8000/160 = 50 Hz), so over any frame another pitch contributes exactly nothing to its
 * Goertzel bin; 100 Hz apart leaves a free bin between two pitches for the mixer's resampling smear.
 */
export const pitchOf = (index: number): number => 350 + 100 * (index % DISTINCT_PITCHES);

/** The decoded 16-bit samples of a µ-law payload. */
export function decodePcmu(payload: Buffer): Float64Array {
  const out = new Float64Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = muLawDecode(payload[i] ?? 0xff);
  return out;
}

/** The amplitude of the `frequencyHz` component of 8 kHz samples (Goertzel; exact for whole-cycle pitches). */
export function amplitudeAt(samples: Float64Array, frequencyHz: number): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * frequencyHz) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / n;
}
/** The mix counts as heard above this RMS (16-bit scale): silence and comfort noise stay far below. */
export const LOUD_RMS = 500;

/** G.711 µ-law encoding of one 16-bit sample. */
export function muLaw(sample: number): number {
  const BIAS = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(Math.abs(sample), 32_635) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function muLawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4)) - 0x84;
  return (u & 0x80) !== 0 ? -magnitude : magnitude;
}

/** Root mean square of a µ-law payload, on the 16-bit scale. */
export function pcmuRms(payload: Buffer): number {
  if (payload.length === 0) return 0;
  let sum = 0;
  for (const byte of payload) sum += muLawDecode(byte) ** 2;
  return Math.sqrt(sum / payload.length);
}

export const isLoud = (payload: Buffer): boolean => pcmuRms(payload) >= LOUD_RMS;

/** Frames sent at once to catch up after a late timer; a longer stall is skipped (the mixer dropped it anyway). */
const MAX_CATCH_UP_FRAMES = 5;

/**
 * Sends a µ-law sine tone of `frequencyHz`, one frame per 20 ms of wall clock; returns the stop.
 * Clock-driven, not one frame per timer tick: Node's timers fire late, and a voice sent at 91 % of the
 * rate AudioBridge's mixer takes it misses 9 % of the mixed frames.
 */
export function startTonePump(sink: RtpSink, frequencyHz: number, sent: SendCounters, amplitude = AMPLITUDE): () => void {
  const startedAt = performance.now();
  let frames = 0;
  let seq = 0;
  const sendFrame = (): void => {
    const payload = Buffer.alloc(FRAME_SAMPLES);
    const first = frames * FRAME_SAMPLES;
    for (let i = 0; i < FRAME_SAMPLES; i++) payload[i] = muLaw(Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * (first + i)) / RATE)));
    sink(new RtpPacket(new RtpHeader({ payloadType: PCMU_PT, sequenceNumber: seq, timestamp: first >>> 0, marker: false }), payload));
    seq = (seq + 1) & 0xffff;
    frames++;
    sent.packets++;
    sent.bytes += payload.length;
  };
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - startedAt) / FRAME_MS) + 1;
    frames = Math.max(frames, due - MAX_CATCH_UP_FRAMES);
    while (frames < due) sendFrame();
  }, FRAME_MS);
  return () => { clearInterval(timer); };
}
