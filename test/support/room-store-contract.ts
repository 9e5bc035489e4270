// The behaviour every RoomStore shares, written once and run against each implementation (memory,
// Redis). Records are compared as JSON: an absent key and an `undefined` one are the same thing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FENCED_OUT, type ParticipantRecord, type RoomChange, type RoomRecord, type RoomStore } from '../../src/store/room-store.js';

const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

function room(id: number | string, over: Partial<RoomRecord> = {}): RoomRecord {
  return {
    id, params: { publishers: 6, bitrate: 0, audiocodec: 'opus,pcmu' }, secret: 's', description: `Room ${String(id)}`, isPrivate: false,
    permanent: false, allowed: { enabled: true, tokens: ['t1'] }, listEntry: { max_publishers: 6, record: false }, publishersPerBackend: 2,
    backends: ['janus-1'], participants: {}, createdAt: 1, ...over,
  };
}

function participant(id: number | string, backend: string): ParticipantRecord {
  return {
    id, display: 'd', backend, privateId: 9, streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'opus' }],
    extensions: { 0: { audiolevel_ext_id: 1 } }, mirrors: {},
  };
}

export function roomStoreContract(label: string, open: () => Promise<{ store: RoomStore; close: () => Promise<void> }>): void {
  describe(`RoomStore contract: ${label}`, () => {
    it('creates once, reads back, lists and deletes', async () => {
      const { store, close } = await open();
      try {
        assert.equal(await store.create(room(101)), true);
        assert.equal(await store.create(room(101, { description: 'other' })), false);
        assert.deepEqual(json(await store.get(101)), json({ ...room(101), version: 1 }));
        assert.equal(await store.get(999), undefined);
        await store.create(room('s-1', { secret: undefined }));
        assert.deepEqual((await store.list()).map((r) => String(r.id)).sort(), ['101', 's-1']);
        assert.equal((await store.get('s-1'))?.secret, undefined);
        assert.equal(await store.delete(101), true);
        assert.equal(await store.delete(101), false);
        assert.deepEqual((await store.list()).map((r) => r.id), ['s-1']);
        await store.delete('s-1');
      } finally {
        await close();
      }
    });

    it('keeps backends in order, participants and their mirrors, and patches', async () => {
      const { store, close } = await open();
      try {
        await store.create(room(202));
        await store.addBackend(202, 'janus-2');
        await store.addBackend(202, 'janus-2');
        await store.addBackend(202, 'janus-3');
        await store.removeBackend(202, 'janus-1');
        assert.deepEqual((await store.get(202))?.backends, ['janus-2', 'janus-3']);

        await store.putParticipant(202, participant(5, 'janus-2'));
        await store.putParticipant(202, participant('x', 'janus-3'));
        await store.putMirror(202, 5, { backend: 'janus-3', host: '10.0.0.3', port: 10_000, rtcpPort: 10_001, remoteId: 'jc-janus-3' });
        await store.putMirror(202, 404, { backend: 'janus-3', host: 'h', port: 1, rtcpPort: undefined, remoteId: 'r' });
        const read = await store.get(202);
        assert.deepEqual(json(read?.participants['5']), json({ ...participant(5, 'janus-2'), mirrors: { 'janus-3': { backend: 'janus-3', host: '10.0.0.3', port: 10_000, rtcpPort: 10_001, remoteId: 'jc-janus-3' } } }));
        assert.equal(read?.participants['404'], undefined);
        // Writing the participant again (new streams) keeps its mirrors.
        await store.putParticipant(202, { ...participant(5, 'janus-2'), streams: [], mirrors: (await store.get(202))?.participants['5']?.mirrors ?? {} });
        assert.equal(Object.keys((await store.get(202))?.participants['5']?.mirrors ?? {}).length, 1);
        await store.removeMirror(202, 5, 'janus-3');
        assert.deepEqual((await store.get(202))?.participants['5']?.mirrors, {});
        await store.putMirror(202, 'x', { backend: 'janus-2', host: 'h', port: 2, rtcpPort: 3, remoteId: 'jc-janus-2' });
        await store.removeParticipant(202, 'x');
        assert.deepEqual(Object.keys((await store.get(202))?.participants ?? {}), ['5']);

        await store.update(202, { description: 'New', secret: undefined, allowed: { enabled: false, tokens: [] }, listEntry: { max_publishers: 9 } });
        const patched = await store.get(202);
        assert.equal(patched?.description, 'New');
        assert.equal(patched.secret, undefined);
        assert.deepEqual(patched.allowed, { enabled: false, tokens: [] });
        assert.deepEqual(patched.params, room(202).params);
        await store.delete(202);
        assert.equal(await store.get(202), undefined);
      } finally {
        await close();
      }
    });

    it('makes an owner\'s fenced writes only while it owns the room', async () => {
      const { store, close } = await open();
      try {
        await store.create({ ...room(404), owner: 'proxy-a' });
        await store.putParticipant(404, participant(1, 'janus-1'));
        const mirror = { backend: 'janus-2', host: 'h', port: 1, rtcpPort: undefined, remoteId: 'jc-janus-2' };
        assert.equal(await store.addBackend(404, 'janus-2', 'proxy-a'), 3);
        assert.equal(await store.putMirror(404, 1, mirror, 'proxy-a'), 4);
        assert.equal(await store.putMirror(404, 'gone', mirror, 'proxy-a'), 5, 'a mirror of a participant not there is not written');
        assert.equal(await store.update(404, { description: 'owned' }, 'proxy-a'), 6);
        assert.equal(await store.takeOwnership(404, 'proxy-a', 'proxy-b'), 7);
        // proxy-a is deposed: none of its writes lands, nothing is bumped.
        assert.equal(await store.addBackend(404, 'janus-3', 'proxy-a'), FENCED_OUT);
        assert.equal(await store.removeBackend(404, 'janus-2', 'proxy-a'), FENCED_OUT);
        assert.equal(await store.removeMirror(404, 1, 'janus-2', 'proxy-a'), FENCED_OUT);
        assert.equal(await store.putMirror(404, 1, { ...mirror, backend: 'janus-3' }, 'proxy-a'), FENCED_OUT);
        assert.equal(await store.update(404, { description: 'stale' }, 'proxy-a'), FENCED_OUT);
        const kept = await store.get(404);
        assert.ok(kept);
        assert.deepEqual(kept.backends, ['janus-1', 'janus-2']);
        assert.deepEqual(Object.keys(kept.participants['1']?.mirrors ?? {}), ['janus-2']);
        assert.equal(kept.description, 'owned');
        assert.equal(kept.version, 7);
        // The new owner's writes land; unfenced writes (members') land whoever owns the room.
        assert.equal(await store.removeMirror(404, 1, 'janus-2', 'proxy-b'), 8);
        assert.equal(await store.update(404, {}, 'proxy-b'), 9);
        assert.equal(await store.addBackend(404, 'janus-3'), 10);
        assert.equal(await store.addBackend(405, 'janus-3', 'proxy-b'), 0, 'no such room');
      } finally {
        await close();
      }
    });

    it('bumps the version on every write and announces each change, a delete as version 0', async () => {
      const { store, close } = await open();
      const seen: RoomChange[] = [];
      let deleted: () => void = () => undefined;
      const gone = new Promise<void>((resolve) => { deleted = resolve; });
      const stop = store.watch((change) => {
        if (change.room !== '303') return;
        seen.push(change);
        if (change.version === 0) deleted();
      });
      try {
        await store.listening();
        await store.create(room(303));
        assert.equal(await store.addBackend(303, 'janus-2'), 2);
        assert.equal(await store.putParticipant(303, participant(7, 'janus-2')), 3);
        assert.equal(await store.putMirror(303, 7, { backend: 'janus-1', host: 'h', port: 1, rtcpPort: 2, remoteId: 'r' }), 4);
        assert.equal(await store.update(303, { description: 'v5' }), 5);
        assert.equal((await store.get(303))?.version, 5);
        assert.equal(await store.removeBackend(999, 'janus-1'), 0);
        await store.delete(303);
        await gone;
        assert.deepEqual(seen.map((c) => c.version), [1, 2, 3, 4, 5, 0]);
      } finally {
        stop();
        await close();
      }
    });

    it('counts member handles per proxy and backend, for the other proxies to see', async () => {
      const { store, close } = await open();
      try {
        await store.create(room(404));
        await store.countMember(404, 'proxy-a', 'janus-1', 1);
        await store.countMember(404, 'proxy-a', 'janus-1', 1);
        await store.countMember(404, 'proxy-b', 'janus-2', 1);
        assert.equal(await store.membersElsewhere(404, 'proxy-b', 'janus-1'), 2);
        assert.equal(await store.membersElsewhere(404, 'proxy-a', 'janus-1'), 0);
        await store.countMember(404, 'proxy-a', 'janus-1', -1);
        await store.countMember(404, 'proxy-a', 'janus-1', -1);
        assert.equal(await store.membersElsewhere(404, 'proxy-b', 'janus-1'), 0);
        assert.equal(await store.membersElsewhere(404, 'proxy-a', 'janus-2'), 1);
        await store.delete(404);
      } finally {
        await close();
      }
    });
  });
}
