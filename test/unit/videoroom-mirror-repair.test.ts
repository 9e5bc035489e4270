// Copies (remote publishers) that went wrong are repaired by the room's owner at its periodic room
// check: one whose creation failed (Janus refused it) is marked and made again; after a take-over,
// the new owner compares each backend's listing with the record once and makes again the copies
// missing there; a deposed owner's creation in flight stops before it changes Janus under the new
// owner (its late `publish_remotely` used to leave the origin sending to the port of a copy removed
// since). Real registries, owner protocol, fencing and layout code; fakes only for Janus (the
// control channel) and the proxies' shared store.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../src/protocol/messages.js';
import { idKey } from '../../src/store/room-store.js';
import type { VideoRoomModule } from '../../src/plugins/videoroom/index.js';
import { VideoRoomCode as C, VideoRoomError } from '../../src/plugins/videoroom/errors.js';
import { newRoomRecord } from '../../src/plugins/videoroom/room-config.js';
import { VERIFY_AFTER_TAKE_OVER_MS } from '../../src/plugins/videoroom/owner.js';
import type { LiveRoom } from '../../src/plugins/videoroom/room.js';
import { FakeJanus, fakeOptions, fakeProxies, SharedStore, type RequestHook } from '../support/videoroom-fake-janus.js';

const ROOM = 7474;
const P0 = 2001;
const REMOTE_ON_2 = 'jc-janus-2';

interface Setup {
  janus: Map<string, FakeJanus>;
  store: SharedStore;
  a: VideoRoomModule;
  b: VideoRoomModule;
  /** Every control request, as `proxy backend request`. */
  sent: string[];
}

/** Room ROOM owned by proxy-a on janus-1 and janus-2; P0 publishes audio on janus-1 and has no copy yet. */
async function setUp(after?: RequestHook): Promise<Setup> {
  const janus = new Map(['janus-1', 'janus-2', 'janus-3'].map((name) => [name, new FakeJanus()]));
  const store = new SharedStore();
  await store.create({ ...newRoomRecord(ROOM, { request: 'create', publishers: 10 }, {}, 'janus-1', fakeOptions, 1), owner: 'proxy-a' });
  await store.addBackend(ROOM, 'janus-2');
  await store.putParticipant(ROOM, {
    id: P0, display: 'p0', backend: 'janus-1', privateId: 1, streams: [{ type: 'audio', codec: 'opus', mid: '0', mindex: 0 }], extensions: {}, mirrors: {},
  });
  janus.get('janus-1')!.rooms.set(ROOM, { participants: new Map([[P0, { remote: false }]]), remotes: new Map() });
  janus.get('janus-2')!.rooms.set(ROOM, { participants: new Map(), remotes: new Map() });
  const sent: string[] = [];
  const [a, b] = fakeProxies(janus, store, ['proxy-a', 'proxy-b'], {
    after: async (proxy, backend, body) => {
      sent.push(`${proxy} ${backend} ${String(body.request)}`);
      await after?.(proxy, backend, body);
    },
  }) as [VideoRoomModule, VideoRoomModule];
  return { janus, store, a, b, sent };
}

/** janus-2 holds P0's copy, janus-1 sends P0's media to that copy's port, and the record names that port. */
async function assertMirroredOnJanus2(s: Setup): Promise<void> {
  const port = s.janus.get('janus-2')!.copyPort(ROOM, P0);
  assert.ok(port !== undefined, 'janus-2 holds a copy of P0');
  assert.equal(s.janus.get('janus-1')!.forwardPort(ROOM, P0, REMOTE_ON_2), port, 'janus-1 sends P0 to the copy on janus-2');
  const stored = await s.store.get(ROOM);
  assert.equal(stored?.participants[idKey(P0)]?.mirrors['janus-2']?.port, port, 'the record names the copy');
}

async function closeAll(s: Setup): Promise<void> {
  await Promise.all([s.a.close(), s.b.close()]);
}

/** The room as proxy-a has it loaded, once P0's publishing has been mirrored onto janus-2. */
async function mirroredThroughA(s: Setup): Promise<LiveRoom> {
  const roomA = await s.a.rooms.get(ROOM);
  assert.ok(roomA);
  await s.a.rooms.layout(roomA, { op: 'published', participant: P0 });
  await assertMirroredOnJanus2(s);
  return roomA;
}

describe('VideoRoom mirror repair', () => {
  it('makes a copy whose creation Janus refused again at the owner\'s next room check, and asks Janus nothing once all is well', async () => {
    const s = await setUp();
    try {
      const roomB = await s.b.rooms.get(ROOM);
      assert.ok(roomB);
      s.janus.get('janus-2')!.failNext = { request: 'add_remote_publisher', error: new VideoRoomError(C.UNKNOWN_ERROR, 'Janus refused') };
      // proxy-b's publisher published: the change runs at the owner, proxy-a, where the creation fails.
      await s.b.rooms.layout(roomB, { op: 'published', participant: P0 });
      assert.equal(s.janus.get('janus-2')!.copyPort(ROOM, P0), undefined);
      assert.equal((await s.store.get(ROOM))?.participants[idKey(P0)]?.mirrors['janus-2'], undefined);

      // proxy-b's check has nothing to repair; the owner's does.
      const before = s.sent.length;
      await s.b.rooms.checkRooms();
      assert.equal(s.sent.length, before, 'a check without marks asks Janus nothing');
      await s.a.rooms.checkRooms();
      await assertMirroredOnJanus2(s);

      const repaired = s.sent.length;
      await s.a.rooms.checkRooms();
      await s.b.rooms.checkRooms();
      assert.equal(s.sent.length, repaired, 'the repair is done once');
    } finally {
      await closeAll(s);
    }
  });

  it('sends the copies a deposed owner could not make to the new owner, which makes them', async () => {
    const s = await setUp();
    try {
      const roomA = await s.a.rooms.get(ROOM);
      assert.ok(roomA);
      await s.b.rooms.get(ROOM);
      s.janus.get('janus-2')!.failNext = { request: 'add_remote_publisher', error: new VideoRoomError(C.UNKNOWN_ERROR, 'Janus refused') };
      await s.a.rooms.layout(roomA, { op: 'published', participant: P0 });
      assert.equal(s.janus.get('janus-2')!.copyPort(ROOM, P0), undefined);
      // proxy-a's lease ended for a moment: proxy-b took the room over.
      assert.ok(await s.store.takeOwnership(ROOM, 'proxy-a', 'proxy-b') > 0);
      await s.a.rooms.checkRooms();
      await assertMirroredOnJanus2(s);
      assert.ok(s.sent.includes('proxy-b janus-2 add_remote_publisher'));
      assert.ok(!s.sent.slice(s.sent.indexOf('proxy-b janus-2 add_remote_publisher')).some((x) => x.startsWith('proxy-a') && !x.endsWith('listparticipants')));
    } finally {
      await closeAll(s);
    }
  });

  it('makes a copy again that an update finds gone from its backend', async () => {
    const s = await setUp();
    try {
      const roomA = await mirroredThroughA(s);
      const first = s.janus.get('janus-2')!.copyPort(ROOM, P0);
      // The copy vanished from janus-2 (taken down by someone else); the next renegotiation finds it gone.
      s.janus.get('janus-2')!.rooms.get(ROOM)!.participants.delete(P0);
      await s.a.rooms.layout(roomA, { op: 'published', participant: P0 });
      assert.equal(s.janus.get('janus-2')!.copyPort(ROOM, P0), undefined);
      await s.a.rooms.checkRooms();
      await assertMirroredOnJanus2(s);
      assert.notEqual(s.janus.get('janus-2')!.copyPort(ROOM, P0), first);
    } finally {
      await closeAll(s);
    }
  });

  it('stops a deposed owner\'s creation before it changes Janus under the new owner', async () => {
    let deposed = false;
    // Right after Janus made proxy-a's copy on janus-2, proxy-a loses the room and proxy-b, its owner
    // now, makes P0's copy there itself (replacing proxy-a's) before proxy-a goes on.
    const s: Setup = await setUp(async (proxy, backend, body: JsonObject) => {
      if (deposed || proxy !== 'proxy-a' || backend !== 'janus-2' || body.request !== 'add_remote_publisher') return;
      deposed = true;
      const t = s;
      assert.ok(await t.store.takeOwnership(ROOM, 'proxy-a', 'proxy-b') > 0);
      const roomB = await t.b.rooms.get(ROOM);
      assert.ok(roomB);
      await t.b.rooms.layout(roomB, { op: 'published', participant: P0 });
    });
    try {
      const roomA = await s.a.rooms.get(ROOM);
      assert.ok(roomA);
      await s.b.rooms.get(ROOM);
      await s.a.rooms.layout(roomA, { op: 'published', participant: P0 });
      assert.ok(deposed);
      // proxy-a never told janus-1 to send to the port of its own copy, removed by proxy-b.
      assert.ok(!s.sent.includes('proxy-a janus-1 publish_remotely'), s.sent.join('\n'));
      await assertMirroredOnJanus2(s);
    } finally {
      await closeAll(s);
    }
  });

  it('after taking a room over, compares the backends\' copies with the record once and makes the missing ones again', async () => {
    const s = await setUp();
    try {
      await mirroredThroughA(s);
      // proxy-a dies; a late step of its own had removed P0's copy from janus-2, the record still names it.
      s.janus.get('janus-2')!.rooms.get(ROOM)!.participants.delete(P0);
      await s.a.close();
      s.store.dead.add('proxy-a');
      await s.b.rooms.get(ROOM);

      const before = s.sent.length;
      const now = Date.now();
      await s.b.rooms.checkRooms(now);
      assert.equal((await s.store.get(ROOM))?.owner, 'proxy-b');
      assert.equal(s.sent.length, before, 'the comparison waits for the deposed owner\'s steps in flight');

      await s.b.rooms.checkRooms(now + VERIFY_AFTER_TAKE_OVER_MS + 1);
      await assertMirroredOnJanus2(s);
      const asked = s.sent.slice(before);
      assert.deepEqual(asked.filter((x) => x.endsWith('listparticipants')).slice(0, 2).sort(), ['proxy-b janus-1 listparticipants', 'proxy-b janus-2 listparticipants']);

      const repaired = s.sent.length;
      await s.b.rooms.checkRooms(now + 10 * VERIFY_AFTER_TAKE_OVER_MS);
      assert.equal(s.sent.length, repaired, 'compared once');
    } finally {
      await s.b.close();
    }
  });

  it('updates only the copies on backends the room is on', async () => {
    const s = await setUp();
    try {
      // A copy recorded on janus-3, which the room has left (a deposed owner's leftover).
      await s.store.putMirror(ROOM, P0, { backend: 'janus-3', host: '10.0.0.3', port: 30_000, rtcpPort: undefined, remoteId: 'jc-janus-3' });
      await mirroredThroughA(s);
      assert.deepEqual(s.janus.get('janus-3')!.requests, []);
    } finally {
      await closeAll(s);
    }
  });
});
