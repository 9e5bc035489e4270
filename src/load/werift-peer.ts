// Real WebRTC peers (werift 0.24.4) for media tests against namespaced Janus hosts.
// Facts behind the settings: /work/shared/reference/real-media-testing.md, section 2 (pitfalls A1, A2).
import { networkInterfaces } from 'node:os';
import {
  Connection, MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, useH264, useOPUS, usePCMU, useSdesMid, useVP8, useVP9,
  type RTCRtpTransceiver,
} from 'werift';

export type Jsep = { type: 'offer' | 'answer'; sdp: string };
export type CandidateInit = { candidate: string; sdpMid?: string | undefined; sdpMLineIndex?: number | undefined };
export type Kind = 'audio' | 'video';

// A1: werift falls back to stun.l.google.com:19302 even with iceServers: []. Patch the ESM class we
// import (the CJS build has its own copy), once per process.
type GatherThis = { options: { stunServer?: unknown }; stunServer: unknown };
type GatherFn = (this: GatherThis, ...args: unknown[]) => unknown;
const proto = Connection.prototype as unknown as { getCandidatePromises: GatherFn; janusCloudNoStun?: true };
if (!proto.janusCloudNoStun) {
  const original = proto.getCandidatePromises;
  proto.getCandidatePromises = function (this: GatherThis, ...args: unknown[]): unknown {
    if (!this.options.stunServer) this.stunServer = undefined;
    return original.apply(this, args);
  };
  proto.janusCloudNoStun = true;
}

// werift skips interfaces with these prefixes and then silently gathers every address instead.
const SKIPPED_PREFIXES = ['veth', 'vmnet', 'tun', 'tap', 'ipsec', 'utun'];

function assertUsableAddress(address: string): void {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (!addrs?.some((a) => a.family === 'IPv4' && a.address === address)) continue;
    if (SKIPPED_PREFIXES.some((p) => name.startsWith(p))) throw new Error(`werift ignores interface ${name} (${address})`);
    return;
  }
  throw new Error(`no local interface has ${address}; werift would gather every address`);
}

/** The peer must offer only the veth address: anything else could send media off-box. */
export function assertOnlyCandidate(sdp: string, address: string | undefined): void {
  if (address === undefined) return;
  const foreign = sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:') && l.split(' ')[4] !== address);
  if (foreign.length > 0) throw new Error(`werift offered candidates other than ${address}: ${foreign.join(' | ')}`);
}

/**
 * Codecs a peer negotiates: `opus` (Opus + VP8, our synthetic media), `pcmu` (G.711 µ-law audio, which
 * can be decoded: AudioBridge), `any` (whatever a mountpoint that is not ours may carry).
 */
export type CodecSet = 'opus' | 'pcmu' | 'any';

const usePCMA = (): RTCRtpCodecParameters => new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, channels: 1, payloadType: 8 });

const CODECS: Record<CodecSet, () => { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] }> = {
  opus: () => ({ audio: [useOPUS()], video: [useVP8()] }),
  pcmu: () => ({ audio: [usePCMU()], video: [useVP8()] }),
  any: () => ({ audio: [useOPUS(), usePCMU(), usePCMA()], video: [useVP8(), useVP9(), useH264()] }),
};

/** A werift peer offering only `iceAddress`, negotiating `codecs` (a boolean: `pcmu` or not, as tests pass it). */
export function createPc(iceAddress: string | undefined, codecs: CodecSet | boolean = 'opus'): RTCPeerConnection {
  const set: CodecSet = codecs === true ? 'pcmu' : codecs === false ? 'opus' : codecs;
  if (iceAddress !== undefined) assertUsableAddress(iceAddress);
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: CODECS[set](),
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
    ...(iceAddress !== undefined ? { iceInterfaceAddresses: { udp4: iceAddress } } : {}),
  });
}

/** Offer with a=setup:active (A2: Janus must not start DTLS before werift listens); gathering is awaited, so candidates are in the SDP. */
export async function createActiveOffer(pc: RTCPeerConnection, iceAddress: string | undefined): Promise<{ type: 'offer'; sdp: string }> {
  await pc.setLocalDescription(await pc.createOffer());
  const sdp = pc.localDescription?.sdp ?? '';
  assertOnlyCandidate(sdp, iceAddress);
  return { type: 'offer', sdp: sdp.replace(/a=setup:actpass/g, 'a=setup:active') };
}

/** Received-RTP counters with waiters, so tests wait for packets instead of sleeping. */
export class RtpCounter {
  readonly byKind: Record<Kind, number> = { audio: 0, video: 0 };
  readonly byMid: Record<string, number> = {};
  private readonly waiters = new Set<() => void>();

  count(kind: Kind, mid: string | null): void {
    this.byKind[kind]++;
    if (mid !== null) this.byMid[mid] = (this.byMid[mid] ?? 0) + 1;
    for (const w of [...this.waiters]) w();
  }

  waitUntil(done: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out after ${String(timeoutMs)} ms waiting for RTP: ${what()}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }
}

export function countTransceiver(tr: RTCRtpTransceiver, counter: RtpCounter): void {
  tr.onTrack.subscribe((track) => {
    track.onReceiveRtp.subscribe(() => { counter.count(tr.kind === 'audio' ? 'audio' : 'video', tr.mid); });
  });
}

const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
const VP8_KEY = Buffer.from([0x10, 0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0, 0, 0, 0, 0]);
const VP8_DELTA = Buffer.from([0x10, 0x51, 0x01, 0x00, 0, 0, 0, 0, 0, 0]);

/** Opus silence every 20 ms and fake VP8 (a keyframe-looking header every 30 frames) every 33 ms. */
export function startPump(tracks: Partial<Record<Kind, MediaStreamTrack>>, sent: Record<Kind, number>): () => void {
  const timers: NodeJS.Timeout[] = [];
  const { audio, video } = tracks;
  if (audio) {
    let seq = 0;
    let ts = 0;
    timers.push(setInterval(() => {
      audio.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: seq, timestamp: ts, marker: false }), OPUS_SILENCE));
      seq = (seq + 1) & 0xffff;
      ts = (ts + 960) >>> 0;
      sent.audio++;
    }, 20));
  }
  if (video) {
    let frame = 0;
    let ts = 0;
    timers.push(setInterval(() => {
      const payload = frame % 30 === 0 ? VP8_KEY : VP8_DELTA;
      video.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: frame & 0xffff, timestamp: ts, marker: true }), payload));
      frame++;
      ts = (ts + 3000) >>> 0;
      sent.video++;
    }, 33));
  }
  return () => { timers.forEach(clearInterval); };
}

export function onceConnected(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sub.unSubscribe(); reject(new Error(`PC not connected after ${String(timeoutMs)} ms (${pc.connectionState})`)); }, timeoutMs);
    const sub = pc.connectionStateChange.subscribe((state) => {
      if (state !== 'connected' && state !== 'failed' && state !== 'closed') return;
      clearTimeout(timer);
      sub.unSubscribe();
      if (state === 'connected') resolve();
      else reject(new Error(`PC ${state}`));
    });
  });
}

export type EchoPeer = {
  pc: RTCPeerConnection;
  /** Offer with a=setup:active (A2: Janus must not start DTLS before werift listens). */
  createOffer(): Promise<{ type: 'offer'; sdp: string }>;
  setAnswer(jsep: { type: string; sdp: string }): Promise<void>;
  /** Local candidates as they are gathered (null when done); the offer already contains them. */
  onCandidate(cb: (candidate: CandidateInit | null) => void): void;
  addRemoteCandidate(candidate: CandidateInit): Promise<void>;
  waitForConnected(timeoutMs?: number): Promise<void>;
  rtpSent: Record<Kind, number>;
  rtpReceived: Record<Kind, number>;
  /** Resolves when every enabled kind has received at least minPackets (echoed) packets. */
  waitForRtp(minPackets: number, timeoutMs?: number): Promise<void>;
  /** Adds a track to a connected peer (pumped at once); send a new offer to renegotiate. */
  addTrack(kind: Kind): void;
  close(): Promise<void>;
};

/** A sendrecv peer for the EchoTest (or a VideoRoom publisher): pumps RTP once connected. */
export function createEchoPeer(opts: { iceAddress?: string; audio?: boolean; video?: boolean } = {}): EchoPeer {
  const kinds = (['audio', 'video'] as const).filter((k) => opts[k] ?? true);
  const pc = createPc(opts.iceAddress);
  const counter = new RtpCounter();
  const sent: Record<Kind, number> = { audio: 0, video: 0 };
  const tracks: Partial<Record<Kind, MediaStreamTrack>> = {};
  for (const kind of kinds) {
    const track = new MediaStreamTrack({ kind });
    tracks[kind] = track;
    countTransceiver(pc.addTransceiver(track, { direction: 'sendrecv' }), counter);
  }
  let stopPump: (() => void) | undefined;
  const extraPumps: (() => void)[] = [];
  pc.connectionStateChange.subscribe((state) => {
    if (state === 'connected') stopPump ??= startPump(tracks, sent);
  });

  return {
    pc,
    rtpSent: sent,
    rtpReceived: counter.byKind,
    createOffer: () => createActiveOffer(pc, opts.iceAddress),
    async setAnswer(jsep) {
      await pc.setRemoteDescription({ type: 'answer', sdp: jsep.sdp });
    },
    onCandidate(cb) {
      pc.onIceCandidate.subscribe((c) => { cb(c ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : null); });
    },
    async addRemoteCandidate(candidate) {
      await pc.addIceCandidate(candidate);
    },
    waitForConnected: (timeoutMs = 10_000) => onceConnected(pc, timeoutMs),
    waitForRtp(minPackets, timeoutMs = 10_000) {
      return counter.waitUntil(() => kinds.every((k) => counter.byKind[k] >= minPackets), () => JSON.stringify(counter.byKind), timeoutMs);
    },
    addTrack(kind) {
      const track = new MediaStreamTrack({ kind });
      countTransceiver(pc.addTransceiver(track, { direction: 'sendrecv' }), counter);
      extraPumps.push(startPump({ [kind]: track }, sent));
    },
    async close() {
      stopPump?.();
      stopPump = () => undefined; // no pump may start after close
      for (const stop of extraPumps.splice(0)) stop();
      await pc.close();
    },
  };
}

export type SubscriberPeer = {
  pc: RTCPeerConnection;
  /** Answer a Janus offer (werift picks a=setup:active itself). Can be called again on renegotiation. */
  answer(offer: { type: string; sdp: string }): Promise<{ type: 'answer'; sdp: string }>;
  addRemoteCandidate(candidate: CandidateInit): Promise<void>;
  waitForConnected(timeoutMs?: number): Promise<void>;
  rtpReceived: { audio: number; video: number; byMid: Record<string, number> };
  /** Resolves when every audio/video m-line that receives has at least minPackets. */
  waitForRtp(minPackets: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

/** A receive-only peer answering Janus offers (VideoRoom subscriber, Streaming viewer). */
export function createSubscriberPeer(opts: { iceAddress?: string } = {}): SubscriberPeer {
  const pc = createPc(opts.iceAddress);
  const counter = new RtpCounter();
  // Subscribe as transceivers are created: their tracks fire inside setRemoteDescription.
  pc.onRemoteTransceiverAdded.subscribe((tr) => { countTransceiver(tr, counter); });
  const receivingMids = (): string[] =>
    pc.getTransceivers()
      .filter((t) => t.mid !== null && (t.kind === 'audio' || t.kind === 'video'))
      .filter((t) => t.currentDirection === 'recvonly' || t.currentDirection === 'sendrecv')
      .map((t) => t.mid ?? '');

  return {
    pc,
    rtpReceived: { byMid: counter.byMid, get audio() { return counter.byKind.audio; }, get video() { return counter.byKind.video; } },
    async answer(offer) {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      const sdp = pc.localDescription?.sdp ?? '';
      assertOnlyCandidate(sdp, opts.iceAddress);
      return { type: 'answer', sdp };
    },
    async addRemoteCandidate(candidate) {
      await pc.addIceCandidate(candidate);
    },
    waitForConnected: (timeoutMs = 10_000) => onceConnected(pc, timeoutMs),
    waitForRtp(minPackets, timeoutMs = 10_000) {
      return counter.waitUntil(
        () => receivingMids().length > 0 && receivingMids().every((mid) => (counter.byMid[mid] ?? 0) >= minPackets),
        () => `mids ${receivingMids().join(',')}: ${JSON.stringify(counter.byMid)}`,
        timeoutMs,
      );
    },
    async close() {
      await pc.close();
    },
  };
}
