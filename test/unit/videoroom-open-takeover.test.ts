// A room taken over in the middle of opening it on a new backend: the deposed owner has created the
// backend room and mirrored a publisher there (its mirror record written) when its next write, the
// backend itself, is refused. The new owner opens the backend again: Janus still has the backend
// room, so it is destroyed and made anew, copies included. Every publisher must be mirrored into the
// new one, the one the deposed owner recorded too (it used to be skipped for good: one Janus missing
// one publisher, as in the thirty-publisher concurrency test). Real registries, owner protocol,
// fencing and layout code; fakes only for Janus (the control channel) and the proxies' shared store.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Cluster } from '../../src/cluster/cluster.js';
import type { JsonObject } from '../../src/protocol/messages.js';
import { MemoryBus, MemoryBusHub } from '../../src/store/bus.js';
import { MemoryRoomStore } from '../../src/store/memory/room-store.js';
import { idKey, type MirrorRecord, type ParticipantId, type RoomId } from '../../src/store/room-store.js';
import { createVideoRoom, type VideoRoomModule } from '../../src/plugins/videoroom/index.js';
import { VideoRoomCode as C, VideoRoomError } from '../../src/plugins/videoroom/errors.js';
import { newRoomRecord } from '../../src/plugins/videoroom/room-config.js';
import type { VideoRoomOptions } from '../../src/plugins/videoroom/options.js';

const logger = pino({ level: 'silent' });
const options: VideoRoomOptions = {
  publishersPerBackend: 10, backendRoomSecret: 's', roomMarker: 'jc', adminKey: undefined, lockRtpForward: false,
  rtpForwardLocalHost: false, stringIds: false, idleBackendRoomMs: 60_000,
};
const ROOM = 7373;
const P0 = 1001;

/**
 * The proxies' shared store (Redis in production): rooms have owners and the owners' writes are
 * fenced. `deposeAfterMirror`: right after the next mirror is written, the room goes to that proxy
 * (the writer's lease ended and the other proxy took the room over).
 */
class SharedStore extends MemoryRoomStore {
  deposeAfterMirror: { from: string; to: string } | undefined;

  constructor() {
    super();
    // The memory store is one proxy's; shared like Redis, the owner protocol and fencing apply.
    Object.defineProperty(this, 'shared', { value: true });
  }

  override async putMirror(id: RoomId, participant: ParticipantId, mirror: MirrorRecord, fence?: string): Promise<number> {
    const version = await super.putMirror(id, participant, mirror, fence);
    const depose = this.deposeAfterMirror;
    this.deposeAfterMirror = undefined;
    if (depose) await this.takeOwnership(id, depose.from, depose.to);
    return version;
  }
}

interface FakeRoom {
  /** Participants by id: local ones, and remote publishers with the port their copy listens on. */
  participants: Map<ParticipantId, { remote: boolean; port?: number }>;
  /** Remotizations of local publishers: publisher → remote_id → the port it sends to. */
  remotes: Map<ParticipantId, Map<string, number>>;
}

/** Just enough of Janus's VideoRoom for opening a backend room and mirroring into it (1.1.2's codes). */
class FakeJanus {
  readonly rooms = new Map<number, FakeRoom>();
  /** The requests received, by name, in order. */
  readonly requests: string[] = [];
  private nextPort = 20_000;

  request(body: JsonObject): JsonObject {
    this.requests.push(String(body.request));
    const room = this.rooms.get(body.room as number);
    const id = (body.id ?? body.publisher_id) as ParticipantId;
    switch (body.request) {
      case 'create':
        if (room) throw new VideoRoomError(C.ROOM_EXISTS, `Room ${String(body.room)} already exists`);
        this.rooms.set(body.room as number, { participants: new Map(), remotes: new Map() });
        return { videoroom: 'created', room: body.room };
      case 'destroy':
        this.mustHave(room, body).participants.clear();
        this.rooms.delete(body.room as number);
        return { videoroom: 'destroyed', room: body.room };
      case 'add_remote_publisher': {
        const r = this.mustHave(room, body);
        if (r.participants.has(id)) throw new VideoRoomError(C.ID_EXISTS, 'User ID already exists');
        const port = this.nextPort++;
        r.participants.set(id, { remote: true, port });
        return { videoroom: 'success', room: body.room, id, port, rtcp_port: port + 1 };
      }
      case 'listparticipants':
        return { videoroom: 'participants', participants: [...this.mustHave(room, body).participants].map(([pid, p]) => ({ id: pid, remote: p.remote })) };
      case 'publish_remotely': {
        const remotes = this.mustHave(room, body).remotes.get(id) ?? new Map<string, number>();
        this.mustHave(room, body).remotes.set(id, remotes);
        if (remotes.has(body.remote_id as string)) throw new VideoRoomError(C.ID_EXISTS, 'Remotization already exists');
        remotes.set(body.remote_id as string, body.port as number);
        return { videoroom: 'success', room: body.room, id, remote_id: body.remote_id };
      }
      case 'unpublish_remotely':
        if (!this.mustHave(room, body).remotes.get(id)?.delete(body.remote_id as string)) throw new VideoRoomError(C.NO_SUCH_FEED, 'No such remotization');
        return { videoroom: 'success', room: body.room, id };
      case 'remove_remote_publisher':
        if (!this.mustHave(room, body).participants.delete(id)) throw new VideoRoomError(C.NO_SUCH_FEED, 'No such remote publisher');
        return { videoroom: 'success' };
      case 'update_remote_publisher':
        if (!this.mustHave(room, body).participants.has(id)) throw new VideoRoomError(C.NO_SUCH_FEED, 'No such remote publisher');
        return { videoroom: 'success' };
      default:
        throw new VideoRoomError(C.INVALID_REQUEST, `Unknown request '${String(body.request)}'`);
    }
  }

  private mustHave(room: FakeRoom | undefined, body: JsonObject): FakeRoom {
    if (!room) throw new VideoRoomError(C.NO_SUCH_ROOM, `No such room (${String(body.room)})`);
    return room;
  }
}

/** Two proxies' VideoRoom modules on one shared store and bus, in front of the same fake Janus servers. */
function twoProxies(janus: Map<string, FakeJanus>, store: SharedStore): VideoRoomModule[] {
  const hub = new MemoryBusHub();
  const backends = new Map([...janus.keys()].map((name, i) => [name, { name, url: `ws://10.0.0.${String(i + 1)}:8188`, record: {} }]));
  const cluster = { backends } as unknown as Cluster;
  return ['proxy-a', 'proxy-b'].map((proxyId) => {
    const module = createVideoRoom({ proxyId, cluster, store, bus: new MemoryBus(proxyId, hub), options, logger });
    module.rooms.control.request = async (backend, body) => {
      // Asynchronous as a real channel is, so that other work interleaves as it would.
      await new Promise((resolve) => { setImmediate(resolve); });
      const server = janus.get(backend);
      if (!server) throw new VideoRoomError(C.UNKNOWN_ERROR, 'Backend connection lost');
      return server.request(structuredClone(body));
    };
    return module;
  });
}

describe('VideoRoom: a backend room opened again by the owner that took the room over', () => {
  it('mirrors every publisher into it, one the deposed owner had already recorded there too', async () => {
    const janus = new Map(['janus-1', 'janus-2'].map((name) => [name, new FakeJanus()]));
    const store = new SharedStore();
    // The room as proxy-a made it: on janus-1, where p0 publishes.
    await store.create({ ...newRoomRecord(ROOM, { request: 'create', publishers: 40 }, {}, 'janus-1', options, 1), owner: 'proxy-a' });
    await store.putParticipant(ROOM, {
      id: P0, display: 'p0', backend: 'janus-1', privateId: 1, streams: [{ type: 'audio', codec: 'opus', mid: '0', mindex: 0 }], extensions: {}, mirrors: {},
    });
    janus.get('janus-1')!.rooms.set(ROOM, { participants: new Map([[P0, { remote: false }]]), remotes: new Map() });
    const [a, b] = twoProxies(janus, store) as [VideoRoomModule, VideoRoomModule];
    try {
      const roomA = await a.rooms.get(ROOM);
      assert.ok(roomA);
      // proxy-a opens the room on janus-2 and mirrors p0 there; right after that mirror is written,
      // proxy-b takes the room over: proxy-a's next write (janus-2 as a room backend) is refused and
      // the change goes to proxy-b, which opens janus-2 itself.
      store.deposeAfterMirror = { from: 'proxy-a', to: 'proxy-b' };
      await a.rooms.layout(roomA, { op: 'open', backend: 'janus-2' });

      const stored = await store.get(ROOM);
      assert.ok(stored);
      assert.equal(stored.owner, 'proxy-b');
      assert.deepEqual(stored.backends, ['janus-1', 'janus-2']);
      // proxy-a made the backend room and mirrored p0 into it; proxy-b found it there and made it anew.
      assert.deepEqual(janus.get('janus-2')!.requests.slice(0, 2), ['create', 'add_remote_publisher']);
      assert.ok(janus.get('janus-2')!.requests.includes('destroy'));
      // janus-2 holds p0's copy, and janus-1 sends p0's media to that copy's port.
      const copy = janus.get('janus-2')!.rooms.get(ROOM)?.participants.get(P0);
      assert.deepEqual(copy && { remote: copy.remote }, { remote: true }, 'p0 is mirrored on janus-2');
      assert.equal(janus.get('janus-1')!.rooms.get(ROOM)?.remotes.get(P0)?.get('jc-janus-2'), copy?.port);
      // The record names that copy.
      assert.equal(stored.participants[idKey(P0)]?.mirrors['janus-2']?.port, copy?.port);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
