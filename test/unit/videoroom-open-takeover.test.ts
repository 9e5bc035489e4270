// A room taken over in the middle of opening it on a new backend: the deposed owner has created the
// backend room and mirrored a publisher there (its mirror record written) when its next write, the
// backend itself, is refused. The new owner opens the backend again: Janus still has the backend
// room, so it is destroyed and made anew, copies included. Every publisher must be mirrored into the
// new one, the one the deposed owner recorded too (it used to be skipped for good: one Janus missing
// one publisher, as in the thirty-publisher concurrency test). Real registries, owner protocol,
// fencing and layout code; fakes only for Janus (the control channel) and the proxies' shared store
// (test/support/videoroom-fake-janus.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { idKey } from '../../src/store/room-store.js';
import type { VideoRoomModule } from '../../src/plugins/videoroom/index.js';
import { newRoomRecord } from '../../src/plugins/videoroom/room-config.js';
import { FakeJanus, fakeOptions as options, fakeProxies, SharedStore } from '../support/videoroom-fake-janus.js';

const ROOM = 7373;
const P0 = 1001;

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
    const [a, b] = fakeProxies(janus, store) as [VideoRoomModule, VideoRoomModule];
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
