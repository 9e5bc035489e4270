// A sendrecv werift peer for calls: it offers (caller) or answers (callee), pumps RTP once connected
// and counts what it receives. VideoCall: its peer is Janus in a test namespace (iceAddress = the
// root-side veth address, or none when the call's backend is not known in advance: werift then
// offers every address and only the veth pair can work, see real-media-testing.md and
// janus-in-netns.md §4). P2P Call: two such peers talk to each other over 127.0.0.1 only (loopback).
import { MediaStreamTrack, RTCPeerConnection, useOPUS, useSdesMid, useVP8 } from 'werift';
import {
  countTransceiver, onceConnected, RtpCounter, startPump, type CandidateInit, type Kind,
} from './werift-peer.js';

export type Jsep = { type: 'offer' | 'answer'; sdp: string };
export type CallPeerOptions = {
  /** Root-side veth address of the Janus this peer talks to (VideoCall), when known. */
  iceAddress?: string;
  /** Peer to peer on this host: only 127.0.0.1 candidates, sent and paired. */
  loopback?: boolean;
};
export type SdpOptions = {
  /** Leave the candidates out of the SDP; they are in candidates() for trickling instead. */
  trickle?: boolean;
  /** a=setup:active in an offer to Janus (pitfall A2). Not for werift ⇄ werift. */
  setupActive?: boolean;
};

export type CallPeer = {
  pc: RTCPeerConnection;
  createOffer(opts?: SdpOptions): Promise<Jsep>;
  answer(offer: { type: string; sdp: string }, opts?: SdpOptions): Promise<Jsep>;
  setAnswer(answer: { type: string; sdp: string }): Promise<void>;
  /** Local candidates of the latest offer/answer, in the form trickle requests carry them. */
  candidates(): CandidateInit[];
  addRemoteCandidate(candidate: unknown): Promise<void>;
  waitForConnected(timeoutMs?: number): Promise<void>;
  rtpSent: Record<Kind, number>;
  rtpReceived: Record<Kind, number>;
  /** Resolves when audio and video have each received at least minPackets. */
  waitForRtp(minPackets: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

const LOOPBACK = '127.0.0.1';

function candidateAddress(candidate: string): string | undefined {
  return candidate.replace(/^a=/, '').split(' ')[4];
}

/** The SDP without candidate lines (and, when `keep` says so, with only those candidates). */
export function filterCandidates(sdp: string, keep: (address: string | undefined) => boolean): string {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || keep(candidateAddress(line)))
    .filter((line) => keep !== NONE || line !== 'a=end-of-candidates')
    .join('\r\n');
}
const NONE = (): boolean => false;
export const withoutCandidates = (sdp: string): string => filterCandidates(sdp, NONE);

function createPc(opts: CallPeerOptions): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
    codecs: { audio: [useOPUS()], video: [useVP8()] },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
    ...(opts.iceAddress !== undefined ? { iceInterfaceAddresses: { udp4: opts.iceAddress } } : {}),
    // Every socket bound to 127.0.0.1, and only loopback pairs checked: nothing leaves lo.
    ...(opts.loopback
      ? {
          iceInterfaceAddresses: { udp4: LOOPBACK },
          iceAdditionalHostAddresses: [LOOPBACK],
          iceFilterCandidatePair: (pair: { localCandidate: { host: string }; remoteCandidate: { host: string } }) =>
            pair.localCandidate.host === LOOPBACK && pair.remoteCandidate.host === LOOPBACK,
        }
      : {}),
  });
}

export function createCallPeer(opts: CallPeerOptions = {}): CallPeer {
  const pc = createPc(opts);
  const counter = new RtpCounter();
  const sent: Record<Kind, number> = { audio: 0, video: 0 };
  const tracks: Record<Kind, MediaStreamTrack> = { audio: new MediaStreamTrack({ kind: 'audio' }), video: new MediaStreamTrack({ kind: 'video' }) };
  // Added before any remote offer: werift then uses them (sending) for the offered m-lines.
  for (const kind of ['audio', 'video'] as const) countTransceiver(pc.addTransceiver(tracks[kind], { direction: 'sendrecv' }), counter);
  let gathered: CandidateInit[] = [];
  const keep = (address: string | undefined): boolean => !opts.loopback || address === LOOPBACK;
  pc.onIceCandidate.subscribe((c) => {
    if (c && keep(candidateAddress(c.candidate))) gathered.push({ candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
  });
  let stopPump: (() => void) | undefined;
  pc.connectionStateChange.subscribe((state) => {
    if (state === 'connected') stopPump ??= startPump(tracks, sent);
  });
  const shaped = (sdp: string, o: SdpOptions): string => {
    let out = o.trickle ? withoutCandidates(sdp) : filterCandidates(sdp, keep);
    if (o.setupActive) out = out.replace(/a=setup:actpass/g, 'a=setup:active');
    return out;
  };

  return {
    pc,
    rtpSent: sent,
    rtpReceived: counter.byKind,
    async createOffer(o = {}) {
      gathered = [];
      await pc.setLocalDescription(await pc.createOffer()); // waits for gathering
      return { type: 'offer', sdp: shaped(pc.localDescription?.sdp ?? '', o) };
    },
    async answer(offer, o = {}) {
      gathered = [];
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      return { type: 'answer', sdp: shaped(pc.localDescription?.sdp ?? '', o) };
    },
    async setAnswer(answer) {
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    },
    candidates: () => [...gathered],
    async addRemoteCandidate(candidate) {
      const c = candidate as Partial<CandidateInit> & { completed?: boolean } | null;
      if (!c || c.completed || typeof c.candidate !== 'string') return; // end-of-candidates: nothing to do for werift
      await pc.addIceCandidate({ candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex });
    },
    waitForConnected: (timeoutMs = 10_000) => onceConnected(pc, timeoutMs),
    waitForRtp(minPackets, timeoutMs = 10_000) {
      return counter.waitUntil(() => counter.byKind.audio >= minPackets && counter.byKind.video >= minPackets, () => JSON.stringify(counter.byKind), timeoutMs);
    },
    async close() {
      stopPump?.();
      stopPump = () => undefined;
      await pc.close();
    },
  };
}
