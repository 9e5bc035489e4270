// VideoRoom placement as pure functions over a room snapshot: table-driven.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { overflowBackend, publisherBackend, subscriberBackend, type RoomBackendLoad } from '../../src/plugins/videoroom/placement.js';
import { LiveRoom } from '../../src/plugins/videoroom/room.js';

const load = (name: string, participants: number, handles = 0, usable = true, feeds?: number): RoomBackendLoad & { feeds?: number } =>
  ({ name, participants, handles, usable, ...(feeds === undefined ? {} : { feeds }) });

describe('publisherBackend: fill the fullest room backend under the threshold', () => {
  const cases: [string, RoomBackendLoad[], number, string | undefined][] = [
    ['no backend yet', [], 3, undefined],
    ['the only backend, under the threshold', [load('a', 2)], 3, 'a'],
    ['the only backend, full', [load('a', 3)], 3, undefined],
    ['the fullest one still under the threshold', [load('a', 1), load('b', 2), load('c', 3)], 3, 'b'],
    ['equal fill: fewer handles wins', [load('a', 1, 50), load('b', 1, 10)], 3, 'b'],
    ['unusable backends are skipped', [load('a', 2, 0, false), load('b', 0)], 3, 'b'],
    ['threshold 1: an empty room backend', [load('a', 1), load('b', 0)], 1, 'b'],
  ];
  for (const [name, room, threshold, expected] of cases) {
    it(name, () => { assert.equal(publisherBackend(room, threshold), expected); });
  }
});

describe('overflowBackend: when no backend can be opened, the least filled usable one', () => {
  it('picks the least filled', () => { assert.equal(overflowBackend([load('a', 5), load('b', 4, 0, false), load('c', 6)]), 'a'); });
  it('none usable', () => { assert.equal(overflowBackend([load('a', 1, 0, false)]), undefined); });
});

describe('subscriberBackend: where the feeds are, then the fewest handles', () => {
  const cases: [string, (RoomBackendLoad & { feeds?: number })[], string | undefined][] = [
    ['fewest handles without feed information', [load('a', 0, 9), load('b', 0, 3)], 'b'],
    ['the backend holding more of the requested feeds', [load('a', 0, 1, true, 1), load('b', 0, 9, true, 2)], 'b'],
    ['equal feeds: fewer handles', [load('a', 0, 5, true, 2), load('b', 0, 4, true, 2)], 'b'],
    ['unusable skipped', [load('a', 0, 0, false, 3), load('b', 0, 9, true, 0)], 'b'],
    ['nothing usable', [load('a', 0, 0, false)], undefined],
  ];
  for (const [name, room, expected] of cases) {
    it(name, () => { assert.equal(subscriberBackend(room), expected); });
  }
});

describe('LiveRoom.placedBackends: backends whose room is still being opened count', () => {
  it('lists the room backends, then those of placed participants and reserved joins', () => {
    const room = new LiveRoom({
      id: 1, params: {}, secret: undefined, description: 'r', isPrivate: false, permanent: false, allowed: { enabled: false, tokens: [] },
      listEntry: {}, publishersPerBackend: 2, backends: ['a'], createdAt: 0,
      participants: {
        1: { id: 1, display: undefined, backend: 'a', privateId: 1, streams: [], extensions: {}, mirrors: {} },
        // Placed by the owner on a backend whose room is being opened: not in `backends` yet.
        2: { id: 2, display: undefined, backend: 'b', privateId: undefined, placedBy: 'p', streams: [], extensions: {}, mirrors: {} },
      },
    });
    room.reserved.set('3', 'c');
    assert.deepEqual(room.placedBackends(), ['a', 'b', 'c']);
    assert.deepEqual([...room.participantCounts()], [['a', 1], ['b', 1], ['c', 1]]);
  });
});

describe('LiveRoom mirror repairs: a copy that keeps failing backs off', () => {
  it('is due at the next check after its first failure, then after 5 s, 10 s, 20 s …; made, it starts over', () => {
    const room = new LiveRoom({
      id: 1, params: {}, secret: undefined, description: 'r', isPrivate: false, permanent: false, allowed: { enabled: false, tokens: [] },
      listEntry: {}, publishersPerBackend: 2, backends: ['a', 'b'], createdAt: 0, participants: {},
    });
    const failAt = (t: number): void => { room.markMirrorRepair(7, 'b', t); };
    const dueAt = (t: number): boolean => room.mirrorRepairDue(t);
    failAt(0);
    assert.equal(dueAt(0), true);
    assert.deepEqual(room.takeMirrorRepairs(0), [{ participant: 7, backend: 'b' }]);
    assert.equal(dueAt(0), false, 'taken: nothing left to do');
    failAt(1_000);
    assert.equal(dueAt(5_999), false);
    assert.deepEqual(room.takeMirrorRepairs(5_999), [], 'not due yet: stays marked');
    assert.deepEqual(room.takeMirrorRepairs(6_000), [{ participant: 7, backend: 'b' }]);
    failAt(10_000);
    assert.equal(dueAt(19_999), false);
    assert.equal(dueAt(20_000), true);
    room.takeMirrorRepairs(20_000);
    room.mirrorMade(7, 'b');
    failAt(30_000);
    assert.equal(dueAt(30_000), true, 'made in between: no back-off');
  });
});
