/**
 * Fakes for driving real VideoRoom registries (owner protocol, fencing, layout and mirror code)
 * without Janus or Redis: Janus's VideoRoom as far as backend rooms and remote publishers go
 * (1.1.2's codes), and the proxies' shared store with owners, fenced writes and leases.
 */
import pino from 'pino';
import type { Cluster } from '../../src/cluster/cluster.js';
import type { JsonObject } from '../../src/protocol/messages.js';
import { MemoryBus, MemoryBusHub } from '../../src/store/bus.js';
import { MemoryRoomStore } from '../../src/store/memory/room-store.js';
import type { MirrorRecord, ParticipantId, RoomId } from '../../src/store/room-store.js';
import { createVideoRoom, type VideoRoomModule } from '../../src/plugins/videoroom/index.js';
import { VideoRoomCode as C, VideoRoomError } from '../../src/plugins/videoroom/errors.js';
import type { VideoRoomOptions } from '../../src/plugins/videoroom/options.js';

export const fakeOptions: VideoRoomOptions = {
  publishersPerBackend: 10, backendRoomSecret: 's', roomMarker: 'jc', adminKey: undefined, lockRtpForward: false,
  rtpForwardLocalHost: false, stringIds: false, idleBackendRoomMs: 60_000,
};

/**
 * The proxies' shared store (Redis in production): rooms have owners and the owners' writes are
 * fenced. `deposeAfterMirror`: right after the next mirror is written, the room goes to that proxy
 * (the writer's lease ended and the other proxy took the room over). `dead`: proxies whose lease ended.
 */
export class SharedStore extends MemoryRoomStore {
  deposeAfterMirror: { from: string; to: string } | undefined;
  readonly dead = new Set<string>();

  constructor() {
    super();
    // The memory store is one proxy's; shared like Redis, the owner protocol and fencing apply.
    Object.defineProperty(this, 'shared', { value: true });
  }

  override proxyAlive(proxy: string): Promise<boolean> {
    return Promise.resolve(!this.dead.has(proxy));
  }

  override async putMirror(id: RoomId, participant: ParticipantId, mirror: MirrorRecord, fence?: string): Promise<number> {
    const version = await super.putMirror(id, participant, mirror, fence);
    const depose = this.deposeAfterMirror;
    this.deposeAfterMirror = undefined;
    if (depose) await this.takeOwnership(id, depose.from, depose.to);
    return version;
  }
}

export interface FakeRoom {
  /** Participants by id: local ones, and remote publishers with the port their copy listens on. */
  participants: Map<ParticipantId, { remote: boolean; port?: number }>;
  /** Remotizations of local publishers: publisher → remote_id → the port it sends to. */
  remotes: Map<ParticipantId, Map<string, number>>;
}

/** How long after answering `add_remote_publisher` Janus 1.1.2 may still be putting the copy into its room (measured: under 20 ms). */
export const COPY_LANDING_MS = 20;

/** Just enough of Janus's VideoRoom for opening a backend room and mirroring into it (1.1.2's codes). */
export class FakeJanus {
  readonly rooms = new Map<number, FakeRoom>();
  /** The requests received, by name, in order. */
  readonly requests: string[] = [];
  /** Set: the next request it matches fails with its error. */
  failNext: { request: string; error: VideoRoomError } | undefined;
  /**
   * Janus 1.1.2 puts a copy into its room up to some milliseconds after answering
   * `add_remote_publisher`, without the room's lock: a request for that room meanwhile can crash it.
   * Those requests are listed here (`request room`), the window being COPY_LANDING_MS.
   */
  readonly whileCopyLands: string[] = [];
  private readonly copyAddedAt = new Map<number, number>();
  private nextPort = 20_000;

  request(body: JsonObject): JsonObject {
    this.requests.push(String(body.request));
    const added = this.copyAddedAt.get(body.room as number);
    if (added !== undefined && performance.now() - added < COPY_LANDING_MS) this.whileCopyLands.push(`${String(body.request)} ${String(body.room)}`);
    const fail = this.failNext;
    if (fail && fail.request === body.request) {
      this.failNext = undefined;
      throw fail.error;
    }
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
        this.copyAddedAt.set(body.room as number, performance.now());
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

  /** The port the copy of `id` in `room` listens on; undefined when there is none. */
  copyPort(room: number, id: ParticipantId): number | undefined {
    const p = this.rooms.get(room)?.participants.get(id);
    return p?.remote === true ? p.port : undefined;
  }

  /** The port the origin sends `id`'s media to for `remoteId`; undefined when it does not. */
  forwardPort(room: number, id: ParticipantId, remoteId: string): number | undefined {
    return this.rooms.get(room)?.remotes.get(id)?.get(remoteId);
  }

  private mustHave(room: FakeRoom | undefined, body: JsonObject): FakeRoom {
    if (!room) throw new VideoRoomError(C.NO_SUCH_ROOM, `No such room (${String(body.room)})`);
    return room;
  }
}

/** Called around each control request of a proxy (awaited): a test interleaves other work there. */
export type RequestHook = (proxy: string, backend: string, body: JsonObject) => Promise<void> | void;

/**
 * Proxies' VideoRoom modules on one shared store and bus, in front of the same fake Janus servers.
 * `hooks.after` runs once Janus has handled a request, before the proxy hears the answer.
 */
export function fakeProxies(
  janus: Map<string, FakeJanus>, store: SharedStore, proxies: string[] = ['proxy-a', 'proxy-b'], hooks: { after?: RequestHook } = {},
): VideoRoomModule[] {
  const logger = pino({ level: 'silent' });
  const hub = new MemoryBusHub();
  const backends = new Map([...janus.keys()].map((name, i) => [name, { name, url: `ws://10.0.0.${String(i + 1)}:8188`, record: {} }]));
  const cluster = { backends } as unknown as Cluster;
  return proxies.map((proxyId) => {
    const module = createVideoRoom({ proxyId, cluster, store, bus: new MemoryBus(proxyId, hub), options: fakeOptions, logger });
    module.rooms.control.request = async (backend, body) => {
      // Asynchronous as a real channel is, so that other work interleaves as it would.
      await new Promise((resolve) => { setImmediate(resolve); });
      const server = janus.get(backend);
      if (!server) throw new VideoRoomError(C.UNKNOWN_ERROR, 'Backend connection lost');
      const reply = server.request(structuredClone(body));
      await hooks.after?.(proxyId, backend, body);
      return reply;
    };
    return module;
  });
}
