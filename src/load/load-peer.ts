// One load peer: its Janus session (Signalling), its werift PeerConnection, the synthetic media it sends
// and the verifier of what it receives, and the figures it adds to the run's stats when it ends.
import { MediaStreamTrack, type RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { Signalling, type Credentials } from './signalling.js';
import { SentReports } from './rtcp-reports.js';
import { MediaVerifier, startSyntheticPump, type RtpSink, type SendCounters, type SequenceCheck } from './synthetic-media.js';
import { startTonePump } from './tone.js';
import { assertOnlyCandidate, createActiveOffer, createPc, onceConnected, type CodecSet, type Kind } from './werift-peer.js';
import { addSentReports, type RawStats } from './stats.js';

export type PeerSettings = {
  url: string;
  transport: 'ws' | 'http';
  credentials: Credentials;
  iceAddress: string | undefined;
  kbps: number;
  /** Percent of the packets each sender skips (sequence numbers still advance): a known loss to check the report with. */
  sendLossPct: number;
  setupTimeoutMs: number;
  /** Session ids of the scenario's own control sessions (rooms, mountpoints): the proxy split counts them too. */
  controlSessions: Set<number>;
};

/** The address of Janus's first host candidate in its SDP: which Janus the media of this peer goes to. */
export function backendOf(sdp: string): string | undefined {
  const line = sdp.split(/\r?\n/).find((l) => l.startsWith('a=candidate:'));
  return line?.split(' ')[4];
}

export class LoadPeer {
  signalling: Signalling | undefined;
  pc: RTCPeerConnection | undefined;
  verifier: MediaVerifier | undefined;
  readonly sent: SendCounters = { packets: 0, bytes: 0 };
  /** Janus's receiver reports about the streams this peer sends (the sent direction). */
  private readonly rtcp = new SentReports();
  readonly startedAt = Date.now();
  private stopPump: (() => void) | undefined;
  private sendingSince: number | undefined;
  private closed = false;
  private mediaStopped = false;
  private readonly watched = new WeakSet<RTCRtpTransceiver>();

  constructor(readonly name: string, private readonly settings: PeerSettings, private readonly stats: RawStats) {}

  async open(): Promise<Signalling> {
    this.signalling = await Signalling.open(this.settings.url, this.settings.transport, this.settings.credentials, (verb, ms) => {
      (this.stats.signallingMs[verb] ??= []).push(ms);
    });
    if (this.closed) {
      // Closed while connecting: close() found nothing to close yet.
      await this.signalling.close();
      throw new Error('stopped');
    }
    return this.signalling;
  }

  /**
   * A PeerConnection whose received RTP goes to a verifier expecting `expected(mid, kind)`; `codecs`: see
   * CodecSet; `sequence`: see MediaVerifier.
   */
  createPc(
    expected: (mid: string | null, kind: Kind) => number | undefined,
    opts: { codecs?: CodecSet; sequence?: { accept: SequenceCheck } } = {},
  ): RTCPeerConnection {
    const pc = createPc(this.settings.iceAddress, opts.codecs);
    this.verifier = new MediaVerifier(expected, opts.sequence);
    // Subscribed before any remote description: a subscriber's transceivers appear inside it.
    pc.onRemoteTransceiverAdded.subscribe((tr) => { this.watch(tr); });
    this.pc = pc;
    return pc;
  }

  /** Feeds the RTP received on `tr` to the verifier (once per transceiver). */
  private watch(tr: RTCRtpTransceiver): void {
    if (this.watched.has(tr)) return;
    this.watched.add(tr);
    const verifier = this.verifier;
    const kind: Kind = tr.kind === 'audio' ? 'audio' : 'video';
    tr.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => { verifier?.onPacket(tr.mid, kind, rtp.payload, rtp.header.sequenceNumber); });
    });
  }

  /** Adds a sending audio and video track; they start carrying `streamIds` once connected. */
  addSenders(direction: 'sendrecv' | 'sendonly', streamIds: Record<Kind, number>): void {
    const pc = this.pc;
    if (!pc) throw new Error('no PeerConnection');
    const audio = this.sendingTrack(pc, 'audio', direction);
    const video = this.sendingTrack(pc, 'video', direction);
    this.pumpOnceConnected(pc, () => startSyntheticPump({ audio, video }, streamIds, this.settings.kbps, this.sent));
  }

  /** A sending transceiver of `kind`: its sink counts packets for the RTCP loss share. */
  private sendingTrack(pc: RTCPeerConnection, kind: Kind, direction: 'sendrecv' | 'sendonly'): RtpSink {
    const track = new MediaStreamTrack({ kind });
    const tr = pc.addTransceiver(track, { direction });
    this.watch(tr);
    let sent = 0;
    let dropped = 0;
    this.rtcp.watch(tr.sender, () => sent);
    const lossPct = this.settings.sendLossPct;
    return (p) => {
      sent++;
      // Evenly spread, not random: packet k is skipped when the share of skipped ones falls behind.
      if (dropped < Math.floor((sent * lossPct) / 100)) {
        dropped++;
        return;
      }
      track.writeRtp(p);
    };
  }

  /** Adds a sendrecv G.711 audio track that carries a tone once connected (AudioBridge). */
  addToneSender(frequencyHz: number, amplitude: number): void {
    const pc = this.pc;
    if (!pc) throw new Error('no PeerConnection');
    const sink = this.sendingTrack(pc, 'audio', 'sendrecv');
    this.pumpOnceConnected(pc, () => startTonePump(sink, frequencyHz, this.sent, amplitude));
  }

  private pumpOnceConnected(pc: RTCPeerConnection, start: () => () => void): void {
    pc.connectionStateChange.subscribe((state) => {
      if (state !== 'connected' || this.stopPump || this.closed) return;
      this.rtcp.attach(pc);
      this.sendingSince = Date.now();
      this.stopPump = start();
    });
  }

  offer(): Promise<{ type: 'offer'; sdp: string }> {
    if (!this.pc) throw new Error('no PeerConnection');
    return createActiveOffer(this.pc, this.settings.iceAddress);
  }

  /** Answers Janus's offer (a subscriber); werift picks a=setup:active itself. */
  async answer(offerSdp: string): Promise<{ type: 'answer'; sdp: string }> {
    const pc = this.pc;
    if (!pc) throw new Error('no PeerConnection');
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await pc.setLocalDescription(await pc.createAnswer());
    const sdp = pc.localDescription?.sdp ?? '';
    assertOnlyCandidate(sdp, this.settings.iceAddress);
    return { type: 'answer', sdp };
  }

  /** Waits for ICE+DTLS after the remote description (set just before) and records the time it took. */
  async connected(remoteSdp: string): Promise<void> {
    const pc = this.pc;
    if (!pc) throw new Error('no PeerConnection');
    const host = backendOf(remoteSdp);
    if (host) this.stats.backends[host] = (this.stats.backends[host] ?? 0) + 1;
    const started = performance.now();
    await onceConnected(pc, this.settings.setupTimeoutMs);
    this.stats.iceMs.push(performance.now() - started);
  }

  /** Waits for verified media from `streams` streams and records the time from the peer's start. */
  async firstMedia(streams: number): Promise<void> {
    const verifier = this.verifier;
    if (!verifier) throw new Error('no verifier');
    await verifier.waitForStreams(streams, this.settings.setupTimeoutMs);
    this.stats.firstRtpMs.push((verifier.firstVerifiedAt ?? Date.now()) - this.startedAt);
  }

  /** Ms since this peer's media started; undefined before it started and once it stopped. */
  sendingForMs(): number | undefined {
    if (this.sendingSince === undefined || this.mediaStopped) return undefined;
    return Date.now() - this.sendingSince;
  }

  stopMedia(): void {
    this.mediaStopped = true;
    this.stopPump?.();
    this.stopPump = () => undefined;
  }

  /** Adds this peer's media figures to the stats (call once, after stopMedia and a short drain). */
  tally(stoppedAt: number): void {
    this.stats.sent.packets += this.sent.packets;
    this.stats.sent.bytes += this.sent.bytes;
    if (this.sendingSince !== undefined) this.stats.sendSeconds += (stoppedAt - this.sendingSince) / 1000;
    addSentReports(this.stats, this.rtcp.reports());
    const received = this.verifier?.totalsNow();
    if (!received) return;
    for (const k of ['verified', 'wrongStream', 'unverified', 'expected', 'bytes'] as const) this.stats.received[k] += received[k];
    this.stats.jitterMs.push(...(this.verifier?.jitters() ?? []));
    const from = this.verifier?.firstVerifiedAt;
    if (from !== undefined) this.stats.receiveSeconds += (stoppedAt - from) / 1000;
  }

  /** Stops media, destroys the Janus session and closes the PeerConnection; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopMedia();
    await Promise.allSettled([this.signalling?.close(), this.pc?.close()]);
  }
}
