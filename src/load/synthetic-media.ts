// Synthetic media a receiver can verify: every RTP payload carries a magic, the id of the stream it
// belongs to and a counter. A receiver thus knows "the right stream arrived" (not just "packets"), and
// counts losses from counter gaps the way RTP receivers do from sequence numbers.
import { RtpHeader, RtpPacket } from 'werift';
import type { Kind } from './werift-peer.js';

const MAGIC = Buffer.from('JLT1');
const TRAILER = MAGIC.length + 8;
/** Opus code-0 TOC + silence-looking bytes: Janus relays Opus without decoding it (not for AudioBridge). */
const OPUS_PREFIX = Buffer.from([0xf8, 0xff, 0xfe]);
/** A VP8 payload descriptor and frame header: a keyframe-looking one every 30 frames, deltas between. */
const VP8_KEY = Buffer.from([0x10, 0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0, 0, 0, 0, 0]);
const VP8_DELTA = Buffer.from([0x10, 0x51, 0x01, 0x00, 0, 0, 0, 0, 0, 0]);
const AUDIO_INTERVAL_MS = 20;
const VIDEO_INTERVAL_MS = 33;
const MAX_VIDEO_PAYLOAD = 1200;

export function encodePayload(prefix: Buffer, streamId: number, counter: number, size: number): Buffer {
  const payload = Buffer.alloc(Math.max(size, prefix.length + TRAILER));
  prefix.copy(payload, 0);
  MAGIC.copy(payload, prefix.length);
  payload.writeUInt32BE(streamId >>> 0, prefix.length + MAGIC.length);
  payload.writeUInt32BE(counter >>> 0, prefix.length + MAGIC.length + 4);
  return payload;
}

/** The stream id and counter of a synthetic payload; undefined when it is not one (no magic up front). */
export function decodePayload(payload: Buffer): { streamId: number; counter: number } | undefined {
  const at = payload.subarray(0, 24).indexOf(MAGIC);
  if (at < 0 || payload.length < at + TRAILER) return undefined;
  return { streamId: payload.readUInt32BE(at + MAGIC.length), counter: payload.readUInt32BE(at + MAGIC.length + 4) };
}

/** Sequence mode: whether a packet counts as media (true), not (false), or is the wrong media ('wrong'). */
export type SequenceCheck = (payload: Buffer) => boolean | 'wrong';

export type SendCounters = { packets: number; bytes: number };

/** Where a pump's packets go: a werift track (`track.writeRtp`) or a UDP socket (Streaming feed). */
export type RtpSink = (packet: RtpPacket) => void;

/** Packets sent at once to catch up after a late timer; a longer stall is given up, not burst out. */
const MAX_CATCH_UP = 5;

/**
 * Calls `send(n)` for packet n = 0, 1, … at one packet per `intervalMs` of wall clock, catching up
 * after late timers (Node's fire late on a busy machine: one packet per tick fell to ~82 % of the
 * asked rate). After a longer stall the schedule slips instead: no packet number is skipped, so the
 * generator's own stalls never count as network loss. Returns the timer.
 */
function everyInterval(intervalMs: number, send: (n: number) => void): NodeJS.Timeout {
  const startedAt = performance.now();
  let next = 0;
  let slipped = 0;
  return setInterval(() => {
    let due = Math.floor((performance.now() - startedAt) / intervalMs) + 1 - slipped;
    if (due - next > MAX_CATCH_UP) {
      slipped += due - next - MAX_CATCH_UP;
      due = next + MAX_CATCH_UP;
    }
    while (next < due) send(next++);
  }, intervalMs);
}

/**
 * Sends audio every 20 ms and video every 33 ms to the given sinks, carrying `streamIds[kind]`; video
 * packets are padded so that audio + video come close to `kbps` (capped by the MTU). Returns the stop.
 */
export function startSyntheticPump(
  sinks: Partial<Record<Kind, RtpSink>>, streamIds: Record<Kind, number>, kbps: number, sent: SendCounters,
): () => void {
  const timers: NodeJS.Timeout[] = [];
  const { audio, video } = sinks;
  const write = (sink: RtpSink, header: RtpHeader, payload: Buffer): void => {
    sink(new RtpPacket(header, payload));
    sent.packets++;
    sent.bytes += payload.length;
  };
  if (audio) {
    timers.push(everyInterval(AUDIO_INTERVAL_MS, (n) => {
      write(audio, new RtpHeader({ payloadType: 111, sequenceNumber: n & 0xffff, timestamp: (n * 960) >>> 0, marker: false }),
        encodePayload(OPUS_PREFIX, streamIds.audio, n, 0));
    }));
  }
  if (video) {
    const audioBytesPerS = audio ? (OPUS_PREFIX.length + TRAILER) * (1000 / AUDIO_INTERVAL_MS) : 0;
    const videoSize = Math.min(MAX_VIDEO_PAYLOAD, Math.round((kbps * 125 - audioBytesPerS) / (1000 / VIDEO_INTERVAL_MS)));
    timers.push(everyInterval(VIDEO_INTERVAL_MS, (n) => {
      write(video, new RtpHeader({ payloadType: 96, sequenceNumber: n & 0xffff, timestamp: (n * 3000) >>> 0, marker: true }),
        encodePayload(n % 30 === 0 ? VP8_KEY : VP8_DELTA, streamIds.video, n, videoSize));
    }));
  }
  return () => { timers.forEach(clearInterval); };
}

/** What one receiver saw on one expected stream; `jitter`: RFC 3550 interarrival jitter (ms). */
type StreamTally = { first: number; highest: number; received: number; lastCounter: number; lastArrival: number; jitter: number };

const SEND_INTERVAL_MS: Record<Kind, number> = { audio: AUDIO_INTERVAL_MS, video: VIDEO_INTERVAL_MS };

export type ReceiveTotals = {
  /** Packets that carried the stream id expected on their transceiver. */
  verified: number;
  /** Packets with a valid magic but another stream's id: media crossed between streams. */
  wrongStream: number;
  /** Packets without the magic (not our media); in sequence mode, those not accepted (silent audio). */
  unverified: number;
  /** Expected from counter ranges (highest - first + 1, per stream), and lost = expected - verified. */
  expected: number;
  bytes: number;
};

/** Checks received payloads against the stream expected on each transceiver (mid). */
export class MediaVerifier {
  private readonly streams = new Map<number, StreamTally>();
  private readonly totals = { wrongStream: 0, unverified: 0, bytes: 0 };
  private firstAt: number | undefined;
  private readonly streamWaiters = new Set<() => void>();

  /** Extended RTP sequence numbers per stream (sequence mode). */
  private readonly extended = new Map<number, number>();

  /**
   * `expectedStream(mid, kind)`: the stream id this transceiver must carry (undefined: not known yet).
   * `sequence`: media that carries no synthetic payload (an existing mountpoint, the AudioBridge mix):
   * packets count by their RTP sequence numbers, and only those `accept` passes (e.g. not silent);
   * 'wrong' counts a packet as wrong-stream (e.g. the AudioBridge mix carrying the receiver's own voice).
   */
  constructor(
    private readonly expectedStream: (mid: string | null, kind: Kind) => number | undefined,
    private readonly sequence?: { accept: SequenceCheck },
  ) {}

  /** The stream and extended RTP sequence number of a packet, in sequence mode; undefined when not accepted. */
  private sequenced(mid: string | null, kind: Kind, payload: Buffer, seq: number): { streamId: number; counter: number } | 'wrong' | undefined {
    const streamId = this.expectedStream(mid, kind);
    if (streamId === undefined) return undefined;
    const verdict = this.sequence?.accept(payload) ?? false;
    if (verdict !== true) return verdict === 'wrong' ? verdict : undefined;
    const last = this.extended.get(streamId);
    // Unwrap 16 bits: the nearest value to the last one (a run outlasts 65536 packets after 22 min).
    const counter = last === undefined ? seq + 0x10000 : last + ((((seq - (last & 0xffff)) & 0xffff) << 16) >> 16);
    this.extended.set(streamId, Math.max(counter, last ?? counter));
    return { streamId, counter };
  }

  /** Wall time (ms) of the first verified packet, if any. */
  get firstVerifiedAt(): number | undefined {
    return this.firstAt;
  }

  onPacket(mid: string | null, kind: Kind, payload: Buffer, seq = 0): void {
    this.totals.bytes += payload.length;
    const decoded = this.sequence ? this.sequenced(mid, kind, payload, seq) : decodePayload(payload);
    if (decoded === 'wrong') {
      this.totals.wrongStream++;
      return;
    }
    if (!decoded) {
      this.totals.unverified++;
      return;
    }
    const expected = this.expectedStream(mid, kind);
    if (expected === undefined || decoded.streamId !== expected) {
      this.totals.wrongStream++;
      return;
    }
    this.firstAt ??= Date.now();
    const now = performance.now();
    const tally = this.streams.get(expected);
    if (tally) {
      tally.received++;
      if (decoded.counter > tally.lastCounter) {
        // The counter says when it was sent (one per send interval): the transit variation is D.
        const transitChange = now - tally.lastArrival - (decoded.counter - tally.lastCounter) * SEND_INTERVAL_MS[kind];
        tally.jitter += (Math.abs(transitChange) - tally.jitter) / 16;
        tally.lastCounter = decoded.counter;
        tally.lastArrival = now;
      }
      if (decoded.counter > tally.highest) tally.highest = decoded.counter;
      if (decoded.counter < tally.first) tally.first = decoded.counter;
      return;
    }
    this.streams.set(expected, { first: decoded.counter, highest: decoded.counter, received: 1, lastCounter: decoded.counter, lastArrival: now, jitter: 0 });
    for (const wake of [...this.streamWaiters]) wake();
  }

  /** Number of distinct expected streams that delivered at least one verified packet. */
  get streamsSeen(): number {
    return this.streams.size;
  }

  /** Resolves once `streams` distinct streams delivered a verified packet. */
  waitForStreams(streams: number, timeoutMs: number): Promise<void> {
    if (this.streams.size >= streams) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.streams.size < streams) return;
        this.streamWaiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.streamWaiters.delete(check);
        reject(new Error(`no verified media from ${String(streams - this.streams.size)} of ${String(streams)} streams within ${String(timeoutMs)} ms (${JSON.stringify(this.totals)})`));
      }, timeoutMs);
      this.streamWaiters.add(check);
    });
  }

  /** The interarrival jitter of each stream received (ms). */
  jitters(): number[] {
    return [...this.streams.values()].map((t) => t.jitter);
  }

  totalsNow(): ReceiveTotals {
    let verified = 0;
    let expected = 0;
    for (const t of this.streams.values()) {
      verified += t.received;
      expected += t.highest - t.first + 1;
    }
    return { verified, expected, ...this.totals };
  }
}
