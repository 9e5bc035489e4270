// Janus 1.1.2 answers `add_remote_publisher` before its thread for the copy has put it into the
// room, and that thread does so without the room's lock: a `listparticipants` (the proxy's check
// that the copy is listed) or a second `add_remote_publisher` for the same room in that moment
// made Janus crash (SIGSEGV in listparticipants, seen as "Backend connection lost" in
// videoroom-multi-proxy.test.ts; scripts/repro-remote-publisher-race.ts). The proxy leaves the room
// alone for a moment after each copy and makes one copy at a time per backend. Real registries,
// owner protocol and mirror code; fakes only for Janus and the shared store.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { VideoRoomModule } from '../../src/plugins/videoroom/index.js';
import { newRoomRecord } from '../../src/plugins/videoroom/room-config.js';
import { FakeJanus, fakeOptions as options, fakeProxies, SharedStore } from '../support/videoroom-fake-janus.js';

const ROOM = 7575;
const PUBLISHERS = [3001, 3002, 3003];

describe('VideoRoom copies on Janus 1.1.2', () => {
  it('leaves a backend room alone while a copy lands in it, and makes the copies there one at a time', async () => {
    const janus = new Map(['janus-1', 'janus-2'].map((name) => [name, new FakeJanus()]));
    const store = new SharedStore();
    await store.create({ ...newRoomRecord(ROOM, { request: 'create', publishers: 10 }, {}, 'janus-1', options, 1), owner: 'proxy-a' });
    for (const [i, id] of PUBLISHERS.entries()) {
      await store.putParticipant(ROOM, {
        id, display: `p${String(i)}`, backend: 'janus-1', privateId: i + 1, streams: [{ type: 'audio', codec: 'opus', mid: '0', mindex: 0 }], extensions: {}, mirrors: {},
      });
    }
    janus.get('janus-1')?.rooms.set(ROOM, { participants: new Map(PUBLISHERS.map((id) => [id, { remote: false }])), remotes: new Map() });
    const [a, b] = fakeProxies(janus, store) as [VideoRoomModule, VideoRoomModule];
    try {
      const room = await a.rooms.get(ROOM);
      assert.ok(room);
      // A participant placed on janus-2: the room opens there with every publisher mirrored.
      await a.rooms.layout(room, { op: 'open', backend: 'janus-2' });
      const j2 = janus.get('janus-2');
      assert.ok(j2);
      for (const id of PUBLISHERS) assert.ok(j2.copyPort(ROOM, id) !== undefined, `janus-2 holds a copy of ${String(id)}`);
      assert.deepEqual(j2.whileCopyLands, [], 'nothing asked of the room while a copy was landing');
      // Each copy checked listed before the next one is added.
      assert.deepEqual(j2.requests.slice(1), PUBLISHERS.flatMap(() => ['add_remote_publisher', 'listparticipants']));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
