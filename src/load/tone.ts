// AudioBridge media a receiver can check without an Opus codec: participants speak G.711 µ-law (which
// AudioBridge accepts and mixes), each a sine tone, and a receiver decodes the mix it gets back and
// counts a packet as media only when it is loud, so "received" means "heard the others", not "packets".
import { RtpHeader, RtpPacket } from 'werift';
import type { RtpSink, SendCounters } from './synthetic-media.js';

const RATE = 8000;
const FRAME_SAMPLES = 160; // 20 ms
const PCMU_PT = 0;
/** What a tone sender sends: 160 bytes every 20 ms. */
export const PCMU_KBPS = 64;
/** A quarter of full scale: several tones mixed together do not clip much. */
const AMPLITUDE = 8000;
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

/** Sends a µ-law sine tone of `frequencyHz` every 20 ms; returns the stop. */
export function startTonePump(sink: RtpSink, frequencyHz: number, sent: SendCounters): () => void {
  let n = 0;
  let seq = 0;
  const timer = setInterval(() => {
    const payload = Buffer.alloc(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++, n++) payload[i] = muLaw(Math.round(AMPLITUDE * Math.sin((2 * Math.PI * frequencyHz * n) / RATE)));
    sink(new RtpPacket(new RtpHeader({ payloadType: PCMU_PT, sequenceNumber: seq, timestamp: (n - FRAME_SAMPLES) >>> 0, marker: false }), payload));
    seq = (seq + 1) & 0xffff;
    sent.packets++;
    sent.bytes += payload.length;
  }, 20);
  return () => { clearInterval(timer); };
}
