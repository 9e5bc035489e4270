// The sent direction from RTCP: Janus terminates RTCP and sends its own receiver reports about every
// stream a peer sends it (fraction lost, cumulative lost, interarrival jitter, as Janus measured them).
// The received direction is measured by the peer itself (MediaVerifier); this is the other half.
import { RtcpRrPacket, RtcpSrPacket, type RTCPeerConnection, type RtcpPacket, type RTCRtpSender } from 'werift';

/** The last report Janus sent about one of our streams. */
export type SentStreamReport = {
  /** Cumulative packets lost, as Janus counted them (RFC 3550: may be negative with duplicates). */
  lost: number;
  /** Packets we had sent on the stream when the report arrived: lost / sent is the loss share. */
  sentAtReport: number;
  /** Fraction lost over the interval before the report, 0..1. */
  fractionLost: number;
  /** Interarrival jitter, converted from RTP timestamp units to ms with the codec's clock rate. */
  jitterMs: number;
  /** Reports received about this stream. */
  reports: number;
};

type Watched = { sender: RTCRtpSender; sent: () => number; report: SentStreamReport | undefined };

/** Collects Janus's reports about the streams one PeerConnection sends. */
export class SentReports {
  private readonly streams: Watched[] = [];
  private subscribed = false;

  /** `sent()`: packets sent so far on this sender (our own counter). */
  watch(sender: RTCRtpSender, sent: () => number): void {
    this.streams.push({ sender, sent, report: undefined });
  }

  /**
   * Subscribes to the PC's DTLS transport once it is connected. The transport, not the sender: werift
   * routes an SR to the receiver of its sender's SSRC, so report blocks inside an SR would miss the sender.
   */
  attach(pc: RTCPeerConnection): void {
    if (this.subscribed) return;
    const transport = pc.dtlsTransports[0];
    if (!transport) return;
    this.subscribed = true;
    transport.onRtcp.subscribe((packet) => { this.onRtcp(packet); });
  }

  private onRtcp(packet: RtcpPacket): void {
    if (!(packet instanceof RtcpRrPacket) && !(packet instanceof RtcpSrPacket)) return;
    for (const block of packet.reports) {
      const stream = this.streams.find((s) => s.sender.ssrc === block.ssrc);
      if (!stream) continue;
      const clockRate = stream.sender.codec?.clockRate ?? 90_000;
      stream.report = {
        lost: block.packetsLost,
        sentAtReport: stream.sent(),
        fractionLost: block.fractionLost / 256,
        jitterMs: (block.jitter / clockRate) * 1000,
        reports: (stream.report?.reports ?? 0) + 1,
      };
    }
  }

  /** One entry per stream we send; undefined where Janus sent no report (yet). */
  reports(): (SentStreamReport | undefined)[] {
    return this.streams.map((s) => s.report);
  }
}
