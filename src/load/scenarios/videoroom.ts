// VideoRoom: per room, a control session creates the room, publishers send audio+video, and each
// subscriber (one PeerConnection, multistream) subscribes to every publisher and verifies that each
// m-line carries the stream of the publisher Janus announced for it.
import type { LoadPeer, PeerSettings } from '../load-peer.js';
import { JanusApiError, type Data } from '../signalling.js';
import { closeControl, openControl, type Control } from './control.js';
import type { RawStats } from '../stats.js';
import type { Kind } from '../werift-peer.js';
import { streamIdAllocator, type PeerTask, type ScenarioPlan } from './plan.js';

export type VideoRoomShape = { rooms: number[]; publishers: number; subscribers: number };

type Feed = { id: number | string; streamIds: Record<Kind, number> };

type Room = {
  id: number;
  /** The control session, once the room exists. */
  ready: Promise<Control>;
  /** One entry per publisher: its feed once publishing, or its failure. */
  publishers: Promise<Feed>[];
};

function createRoom(id: number, publishers: number, settings: PeerSettings, stats: RawStats): Room['ready'] {
  return openControl(settings, stats, 'janus.plugin.videoroom', { request: 'create', room: id, publishers: Math.max(publishers, 1), description: 'janus-load' });
}

async function publish(peer: LoadPeer, room: Room, ids: Record<Kind, number>): Promise<Feed> {
  await room.ready;
  const signalling = await peer.open();
  await signalling.createSession();
  const handle = await signalling.attach('janus.plugin.videoroom');
  const joined = await signalling.message(handle, { request: 'join', ptype: 'publisher', room: room.id, display: peer.name });
  const pc = peer.createPc(() => undefined);
  peer.addSenders('sendonly', ids);
  const since = signalling.mark();
  const { jsep } = await signalling.message(handle, { request: 'publish', audio: true, video: true }, await peer.offer());
  if (jsep?.type !== 'answer') throw new JanusApiError(undefined, 'publish: no answer to the offer');
  await pc.setRemoteDescription({ type: 'answer', sdp: jsep.sdp });
  await peer.connected(jsep.sdp);
  await signalling.waitForEvent('webrtcup', handle, since, 15_000);
  return { id: joined.data.id as number | string, streamIds: ids };
}

async function subscribe(peer: LoadPeer, room: Room): Promise<void> {
  const settled = await Promise.allSettled(room.publishers);
  const feeds = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (feeds.length === 0) {
    // The publishers' own error (e.g. the room or plugin missing) is the reason, with its code.
    const cause: unknown = settled.find((r) => r.status === 'rejected')?.reason;
    if (cause instanceof JanusApiError) throw cause;
    throw new JanusApiError(undefined, 'subscribe: no publisher of the room is up');
  }
  const signalling = await peer.open();
  await signalling.createSession();
  const handle = await signalling.attach('janus.plugin.videoroom');
  const attached = await signalling.message(handle, { request: 'join', ptype: 'subscriber', room: room.id, streams: feeds.map((f) => ({ feed: f.id })) });
  if (attached.jsep?.type !== 'offer') throw new JanusApiError(undefined, 'subscribe: no offer from Janus');
  // Which publisher's stream each m-line must carry, as Janus announced it.
  const byFeed = new Map(feeds.map((f) => [String(f.id), f.streamIds]));
  const expected = new Map<string, number>();
  for (const s of (attached.data.streams as Data[] | undefined) ?? []) {
    const ids = byFeed.get(String(s.feed_id));
    const kind = s.type === 'audio' || s.type === 'video' ? s.type : undefined;
    if (ids && kind && typeof s.mid === 'string') expected.set(s.mid, ids[kind]);
  }
  peer.createPc((mid) => (mid === null ? undefined : expected.get(mid)));
  const answer = await peer.answer(attached.jsep.sdp);
  await signalling.message(handle, { request: 'start' }, answer);
  await peer.connected(attached.jsep.sdp);
  await peer.firstMedia(expected.size);
}

/** `roomBase`: the id of room 0; `shape.rooms`: the room numbers this worker drives. */
export function videoroomPlan(shape: VideoRoomShape, roomBase: number, worker: number, settings: PeerSettings, stats: RawStats): ScenarioPlan {
  const nextIds = streamIdAllocator(worker);
  const rooms: { room: Room; created: () => Room['ready'] | undefined }[] = [];
  const publishers: PeerTask[] = [];
  const subscribers: PeerTask[] = [];
  for (const r of shape.rooms) {
    const id = roomBase + r;
    // Created by the room's first publisher to start, so a run stopped early creates no unused room.
    let ready: Room['ready'] | undefined;
    const room: Room = { id, get ready() { return (ready ??= createRoom(id, shape.publishers, settings, stats)); }, publishers: [] };
    rooms.push({ room, created: () => ready });
    for (let p = 0; p < shape.publishers; p++) {
      // Subscribers await every publisher's promise, which exists before any task runs.
      let resolveFeed!: (feed: Promise<Feed>) => void;
      const feed = new Promise<Promise<Feed>>((resolve) => { resolveFeed = resolve; }).then((f) => f);
      feed.catch(() => undefined); // counted as the publisher's failure; subscribers may look at it later
      room.publishers.push(feed);
      publishers.push({
        name: `room${String(id)}-pub${String(p + 1)}`,
        run: (peer) => {
          const feed = publish(peer, room, nextIds());
          resolveFeed(feed);
          return feed.then(() => undefined);
        },
      });
    }
    for (let s = 0; s < shape.subscribers; s++) {
      subscribers.push({ name: `room${String(id)}-sub${String(s + 1)}`, run: (peer) => subscribe(peer, room) });
    }
  }
  return {
    tasks: [...publishers, ...subscribers],
    async cleanup() {
      await Promise.allSettled(rooms.map(({ room, created }) => closeControl(created(), { request: 'destroy', room: room.id })));
    },
  };
}
