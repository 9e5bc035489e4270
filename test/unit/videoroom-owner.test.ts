// The room owner protocol (decision 14) between proxies sharing one memory store and one memory bus:
// a change asked of another proxy runs at the owner; an owner that is gone (silent bus address, no
// lease) is taken over, one that is only silent (lease alive) is waited for; errors travel back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { MemoryBus, MemoryBusHub } from '../../src/store/bus.js';
import { BusCalls } from '../../src/store/bus-calls.js';
import { MemoryRoomStore } from '../../src/store/memory/room-store.js';
import type { RoomId } from '../../src/store/room-store.js';
import { LayoutOwners } from '../../src/plugins/videoroom/owner.js';
import type { LayoutCommand } from '../../src/plugins/videoroom/layout.js';
import { LiveRoom } from '../../src/plugins/videoroom/room.js';
import { NotRoomOwnerError, VideoRoomError } from '../../src/plugins/videoroom/errors.js';
import { newRoomRecord } from '../../src/plugins/videoroom/room-config.js';
import type { VideoRoomOptions } from '../../src/plugins/videoroom/options.js';

const logger = pino({ level: 'silent' });
const options: VideoRoomOptions = {
  publishersPerBackend: 3, backendRoomSecret: 's', roomMarker: 'jc', adminKey: undefined, lockRtpForward: false,
  rtpForwardLocalHost: false, stringIds: false, idleBackendRoomMs: 1000,
};

/** A memory store whose proxies' leases the test ends. */
class LeasedStore extends MemoryRoomStore {
  readonly dead = new Set<string>();
  private checks = 0;
  private onCheck: (() => void) | undefined;

  override proxyAlive(proxy: string): Promise<boolean> {
    this.checks++;
    this.onCheck?.();
    return Promise.resolve(!this.dead.has(proxy));
  }

  /** Resolves once `n` more lease checks have been made. */
  async checked(n: number): Promise<void> {
    const until = this.checks + n;
    while (this.checks < until) await new Promise<void>((resolve) => { this.onCheck = resolve; });
    this.onCheck = undefined;
  }
}

/** One proxy: its bus, its copy of the room, and the commands it ran as the owner. */
class Proxy {
  readonly bus: MemoryBus;
  readonly ran: LayoutCommand[] = [];
  readonly owners: LayoutOwners;
  room: LiveRoom | undefined;
  failWith: VideoRoomError | undefined;
  /** Set: the room goes to this proxy in the middle of this one's next change. */
  deposedMidway: string | undefined;

  constructor(readonly id: string, hub: MemoryBusHub, private readonly store: LeasedStore) {
    this.bus = new MemoryBus(id, hub);
    this.owners = new LayoutOwners({ bus: this.bus, store, proxyId: id, logger }, {
      room: (roomId) => this.load(roomId),
      runHere: async (room, command) => {
        await this.reread(room);
        if (this.deposedMidway) {
          // Another proxy takes the room over while this one runs the change: its next write is refused.
          await store.takeOwnership(room.id, this.id, this.deposedMidway);
          throw new NotRoomOwnerError(room.id);
        }
        if (room.record.owner !== this.id) return undefined;
        if (this.failWith) throw this.failWith;
        this.ran.push(command);
        return { ran: this.id };
      },
      reread: (room) => this.reread(room),
    });
  }

  async load(id: RoomId): Promise<LiveRoom | undefined> {
    const stored = await this.store.get(id);
    if (stored) this.room ??= new LiveRoom(stored);
    return this.room;
  }

  async reread(room: LiveRoom): Promise<void> {
    const stored = await this.store.get(room.id);
    if (stored) room.record = stored;
  }
}

async function setUp(): Promise<{ store: LeasedStore; hub: MemoryBusHub; a: Proxy; b: Proxy; c: Proxy }> {
  const store = new LeasedStore();
  const hub = new MemoryBusHub();
  const [a, b, c] = ['a', 'b', 'c'].map((id) => new Proxy(id, hub, store)) as [Proxy, Proxy, Proxy];
  await store.create({ ...newRoomRecord(1, { request: 'create' }, {}, 'janus-1', options, 1), owner: 'a' });
  for (const p of [a, b, c]) await p.load(1);
  return { store, hub, a, b, c };
}

describe('LayoutOwners: changes run at the room\'s owner', () => {
  it('runs a change asked by another proxy at the owner and answers its result', async () => {
    const { a, b } = await setUp();
    assert.deepEqual(await b.owners.run(b.room!, { op: 'open', backend: 'janus-2' }), { ran: 'a' });
    assert.deepEqual(await a.owners.run(a.room!, { op: 'check' }), { ran: 'a' });
    assert.deepEqual(a.ran.map((c) => c.op), ['open', 'check']);
    assert.equal(b.ran.length, 0);
  });

  it('sends the owner\'s error back as the same VideoRoom error', async () => {
    const { a, b } = await setUp();
    a.failWith = new VideoRoomError(427, 'Room exists');
    await assert.rejects(b.owners.run(b.room!, { op: 'destroy' }), (err: unknown) => err instanceof VideoRoomError && err.code === 427 && err.message === 'Room exists');
  });

  it('sends a change refused half way at a deposed owner (a fenced write) to the new owner', async () => {
    const { store, a, b, c } = await setUp();
    a.deposedMidway = 'c';
    assert.deepEqual(await b.owners.run(b.room!, { op: 'open', backend: 'janus-2' }), { ran: 'c' });
    assert.equal((await store.get(1))?.owner, 'c');
    assert.deepEqual(c.ran.map((x) => x.op), ['open']);
    // The deposed owner's own change goes the same way.
    a.deposedMidway = undefined;
    assert.deepEqual(await a.owners.run(a.room!, { op: 'check' }), { ran: 'c' });
  });

  it('takes over a room whose owner is gone; of two proxies racing, one wins and the other asks it', async () => {
    const { store, a, b, c } = await setUp();
    await a.bus.close();
    store.dead.add('a');
    const [fromB, fromC] = await Promise.all([b.owners.run(b.room!, { op: 'check' }), c.owners.run(c.room!, { op: 'check' })]);
    const winner = (await store.get(1))?.owner;
    assert.ok(winner === 'b' || winner === 'c');
    assert.deepEqual([fromB, fromC], [{ ran: winner }, { ran: winner }]);
    assert.equal((winner === 'b' ? b : c).ran.length, 2);
  });

  it('waits for an owner that is silent but holds its lease, and takes over once the lease ends', async () => {
    const { store, a, b } = await setUp();
    await a.bus.close();
    const asked = b.owners.run(b.room!, { op: 'check' });
    // Still a's room while its lease lives, however often b finds its address silent.
    await store.checked(3);
    assert.equal((await store.get(1))?.owner, 'a');
    store.dead.add('a');
    assert.deepEqual(await asked, { ran: 'b' });
    assert.equal((await store.get(1))?.owner, 'b');
  });

  it('takes over a room whose owner dies while a change waits for its answer', async () => {
    const { store, a, b } = await setUp();
    // The owner gets the change but never answers (it dies in the middle of it).
    a.owners.close();
    a.bus.subscribe('videoroom-layout', () => undefined);
    const asked = b.owners.run(b.room!, { op: 'open', backend: 'janus-2' });
    store.dead.add('a');
    assert.deepEqual(await asked, { ran: 'b' });
    assert.deepEqual(b.ran.map((c) => c.op), ['open']);
  });

  it('answers a malformed command with an error, running nothing', async () => {
    const { hub, a } = await setUp();
    const other = new MemoryBus('x', hub);
    const calls = new BusCalls(other, 'videoroom-layout', () => Promise.resolve({}));
    for (const command of [{ op: 'open' }, { op: 'unknown' }, { op: 'drop', backend: 7 }, 'open']) {
      assert.deepEqual(await calls.call('a', { room: 1, command }, 5_000), { error: { code: 499, reason: 'Invalid layout command' } });
    }
    assert.equal(a.ran.length, 0);
    calls.close();
  });

  it('takeOver moves the room only from the owner named, once', async () => {
    const { store, b, c } = await setUp();
    assert.equal(await b.owners.takeOver(b.room!, 'c'), false, 'not c\'s room');
    assert.equal(await b.owners.takeOver(b.room!, 'a'), true);
    assert.equal(await c.owners.takeOver(c.room!, 'a'), false, 'taken already');
    assert.equal((await store.get(1))?.owner, 'b');
  });
});
