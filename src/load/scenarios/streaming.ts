// Streaming: viewers watch one mountpoint. By default a control session creates an RTP mountpoint
// (audio Opus + video VP8 on random ports) and the tool feeds it synthetic, verifiable RTP over UDP
// itself, to the Janus the first viewer's SDP names (or --rtp-host); viewers then verify that each
// m-line carries the feed's stream. With --mountpoint ID an existing mountpoint is watched: its media
// is not ours, so viewers count its packets by RTP sequence numbers.
import { createSocket, type Socket } from 'node:dgram';
import { backendOf, type LoadPeer, type PeerSettings } from '../load-peer.js';
import { JanusApiError, type Data } from '../signalling.js';
import type { RawStats } from '../stats.js';
import { startSyntheticPump, type SendCounters } from '../synthetic-media.js';
import type { Kind } from '../werift-peer.js';
import { closeControl, openControl, type Control } from './control.js';
import { streamIdAllocator, type PeerTask, type ScenarioPlan } from './plan.js';

export type StreamingShape = { viewers: number; mountpoint: number | undefined; rtpHost: string | undefined; kbps: number };

const PLUGIN = 'janus.plugin.streaming';

/** The mountpoint the tool created and feeds: its UDP ports per kind, and the stream ids it carries. */
type Feed = { control: Control; ports: Record<Kind, number>; streamIds: Record<Kind, number> };

function portsOf(created: Data): Record<Kind, number> {
  const stream = created.stream as { ports?: { type?: string; port?: number }[] } | undefined;
  const port = (kind: Kind): number => {
    const p = stream?.ports?.find((x) => x.type === kind)?.port;
    if (typeof p !== 'number') throw new JanusApiError(undefined, `streaming create: no ${kind} port in ${JSON.stringify(created)}`);
    return p;
  };
  return { audio: port('audio'), video: port('video') };
}

/** Sends the feed over one UDP socket, from the first viewer on; counts what it sent into the stats. */
class Feeder {
  private socket: Socket | undefined;
  private stopPump: (() => void) | undefined;
  private since: number | undefined;
  private readonly sent: SendCounters = { packets: 0, bytes: 0 };

  constructor(private readonly stats: RawStats, private readonly kbps: number) {}

  start(feed: Feed, host: string): void {
    if (this.socket) return;
    const socket = createSocket('udp4');
    socket.on('error', () => undefined); // ICMP unreachable while Janus is away: keep sending
    this.socket = socket;
    this.since = Date.now();
    const to = (kind: Kind) => (packet: { serialize(): Buffer }): void => { socket.send(packet.serialize(), feed.ports[kind], host); };
    this.stopPump = startSyntheticPump({ audio: to('audio'), video: to('video') }, feed.streamIds, this.kbps, this.sent);
  }

  stop(): void {
    if (!this.stopPump) return;
    this.stopPump();
    this.stopPump = undefined;
    this.stats.sent.packets += this.sent.packets;
    this.stats.sent.bytes += this.sent.bytes;
    if (this.since !== undefined) this.stats.sendSeconds += (Date.now() - this.since) / 1000;
  }

  close(): void {
    this.stop();
    this.socket?.close();
  }
}

/** Audio and video m-lines Janus offers (port 0: disabled). */
function mediaLines(sdp: string): number {
  return sdp.split(/\r?\n/).filter((l) => /^m=(audio|video) [1-9]/.test(l)).length;
}

type Source = { id: number; feed: (() => Promise<Feed>) | undefined; feeder: Feeder; rtpHost: string | undefined; nextIds: () => Record<Kind, number> };

async function view(peer: LoadPeer, source: Source): Promise<void> {
  const feed = await source.feed?.();
  const signalling = await peer.open();
  await signalling.createSession();
  const handle = await signalling.attach(PLUGIN);
  const watched = await signalling.message(handle, { request: 'watch', id: source.id });
  if (watched.jsep?.type !== 'offer') throw new JanusApiError(undefined, 'streaming: no offer from Janus');
  const offer = watched.jsep.sdp;
  if (feed) {
    peer.createPc((_mid, kind) => feed.streamIds[kind]);
  } else {
    // Someone else's media: one stream per m-line, each counted by its RTP sequence numbers.
    const ids = source.nextIds();
    peer.createPc((_mid, kind) => ids[kind], { codecs: 'any', sequence: { accept: () => true } });
  }
  const answer = await peer.answer(offer);
  if (feed) {
    const host = source.rtpHost ?? backendOf(offer);
    if (host === undefined) throw new JanusApiError(undefined, 'streaming: no candidate in Janus\'s offer to send the feed to (use --rtp-host)');
    source.feeder.start(feed, host);
  }
  await signalling.message(handle, { request: 'start' }, answer);
  await peer.connected(offer);
  await peer.firstMedia(feed ? 2 : mediaLines(offer));
}

/** `viewers`: this worker's share; each worker creates (and feeds) its own mountpoint, id `runId + worker`. */
export function streamingPlan(shape: StreamingShape, runId: number, worker: number, settings: PeerSettings, stats: RawStats): ScenarioPlan {
  const nextIds = streamIdAllocator(worker);
  const id = shape.mountpoint ?? runId + worker;
  let created: Promise<Feed> | undefined;
  const feedIds = nextIds();
  const feed = shape.mountpoint !== undefined ? undefined : () => (created ??= openControl(settings, stats, PLUGIN, {
    request: 'create', type: 'rtp', id, description: 'janus-load',
    media: [{ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' }, { type: 'video', mid: 'v', port: 0, pt: 96, codec: 'vp8' }],
  }).then(async (control) => {
    try {
      return { control, ports: portsOf(control.created), streamIds: feedIds };
    } catch (err) {
      await control.signalling.close();
      throw err;
    }
  }));
  const feeder = new Feeder(stats, shape.kbps);
  const source: Source = { id, feed, feeder, rtpHost: shape.rtpHost, nextIds };
  const tasks: PeerTask[] = Array.from({ length: shape.viewers }, (_, i) => ({
    name: `mp${String(id)}-viewer${String(worker)}-${String(i + 1)}`,
    run: (peer) => view(peer, source),
  }));
  return {
    tasks,
    stopMedia: () => { feeder.stop(); },
    async cleanup() {
      feeder.close();
      await closeControl(created?.then((f) => f.control), { request: 'destroy', id });
    },
  };
}
