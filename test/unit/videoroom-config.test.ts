// VideoRoom room configuration mapping (client request <-> backend rooms), Janus's validation texts,
// SDP extension ids and the memory room store.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyEdit, backendAllowedRequests, backendCreateBody, backendEditBody, firstCreateBody, listEntry, newRoomRecord,
} from '../../src/plugins/videoroom/room-config.js';
import { checkSecret, validate } from '../../src/plugins/videoroom/params.js';
import { VideoRoomError } from '../../src/plugins/videoroom/errors.js';
import { extensionIds } from '../../src/plugins/videoroom/sdp.js';
import { publisherIdentity, remoteStreams } from '../../src/plugins/videoroom/mirrors.js';
import { attendee } from '../../src/plugins/videoroom/publisher.js';
import type { VideoRoomOptions } from '../../src/plugins/videoroom/options.js';
import { MemoryRoomStore } from '../../src/store/memory/room-store.js';
import type { ParticipantRecord } from '../../src/store/room-store.js';

const options: VideoRoomOptions = {
  publishersPerBackend: 100, backendRoomSecret: 'cluster-secret', roomMarker: 'janus-cloud:', adminKey: undefined,
  lockRtpForward: false, rtpForwardLocalHost: false, stringIds: false, idleBackendRoomMs: 10_000,
};

function error(fn: () => void): { code: number; text: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VideoRoomError);
    return { code: err.code, text: err.message };
  }
  assert.fail('no error');
}

describe('firstCreateBody: the client\'s create, validated by the first backend', () => {
  it('swaps secret, description, privacy and persistence for the cluster\'s, drops proxy keys', () => {
    const body = firstCreateBody({ request: 'create', room: 5, secret: 's', description: 'Mine', is_private: true, permanent: true, publishers_per_backend: 2, pin: 'p' }, options);
    assert.deepEqual(body, { request: 'create', room: 5, secret: 'cluster-secret', description: 'janus-cloud:Mine', is_private: false, permanent: false, pin: 'p' });
  });
  it('leaves values of the wrong type alone, so Janus reports them', () => {
    const body = firstCreateBody({ request: 'create', secret: 5, description: [], is_private: 'yes' }, options);
    assert.deepEqual(body, { request: 'create', secret: 5, description: [], is_private: 'yes' });
  });
  it('adds the cluster secret and marker when the client gave none', () => {
    assert.deepEqual(firstCreateBody({ request: 'create' }, options), { request: 'create', secret: 'cluster-secret', description: 'janus-cloud:' });
  });
});

describe('room records and further backend rooms', () => {
  const entry = { room: 5, description: 'janus-cloud:', pin_required: false, is_private: false, max_publishers: 3, bitrate: 0, record: false, num_participants: 0, lock_record: false };
  const record = newRoomRecord(5, { request: 'create', room: 5, secret: 's', allowed: ['t', 't', 3], publishers: 3, bitrate: 0 }, entry, 'j1', options, 1);

  it('keeps the client\'s secret and ACL with the proxy, Janus parameters for further rooms', () => {
    assert.equal(record.secret, 's');
    assert.equal(record.description, 'Room 5');
    assert.deepEqual(record.allowed, { enabled: true, tokens: ['t'] });
    assert.deepEqual(record.params, { publishers: 3, bitrate: 0 });
    assert.deepEqual(record.backends, ['j1']);
    assert.equal(record.publishersPerBackend, 100);
  });
  it('creates further backend rooms with the cluster\'s secret and marker, and the ACL after', () => {
    assert.deepEqual(backendCreateBody(record, options), {
      request: 'create', room: 5, publishers: 3, bitrate: 0, description: 'janus-cloud:Room 5', secret: 'cluster-secret', is_private: false, permanent: false,
    });
    assert.deepEqual(backendAllowedRequests(record, options).map((r) => r.action), ['add', 'enable']);
  });
  it('applies an edit as Janus does and passes it on to the backend rooms', () => {
    const r = structuredClone(record);
    const edit = { new_description: 'New', new_bitrate: 100, new_secret: 'x', new_pin: 'pin', new_is_private: true, new_rec_dir: '/r' };
    applyEdit(r, edit);
    assert.equal(r.description, 'New');
    assert.equal(r.secret, 'x');
    assert.equal(r.isPrivate, true);
    assert.equal(r.listEntry.bitrate, 64_000);
    assert.equal(r.listEntry.pin_required, true);
    assert.deepEqual(backendEditBody(r, edit, options), {
      request: 'edit', room: 5, secret: 'cluster-secret', new_pin: 'pin', new_bitrate: 100, new_rec_dir: '/r', new_description: 'janus-cloud:New',
    });
    assert.deepEqual(Object.keys(listEntry(r, 2)), [
      'room', 'description', 'pin_required', 'is_private', 'max_publishers', 'bitrate', 'record', 'rec_dir', 'lock_record', 'num_participants',
    ]);
    assert.equal(listEntry(r, 2).num_participants, 2);
  });
});

describe('Janus validation texts', () => {
  it('missing, wrong type, positive integers', () => {
    const params = [{ name: 'room', kind: 'positive', required: true }, { name: 'flag', kind: 'boolean' }] as const;
    assert.deepEqual(error(() => { validate({}, params); }), { code: 429, text: 'Missing mandatory element (room)' });
    assert.deepEqual(error(() => { validate({ room: -1 }, params); }), { code: 430, text: 'Invalid element type (room should be a positive integer)' });
    assert.deepEqual(error(() => { validate({ room: 1, flag: 1 }, params); }), { code: 430, text: 'Invalid element type (flag should be a boolean)' });
    validate({ room: 0, flag: true }, params);
  });
  it('secrets: only checked when the room has one', () => {
    checkSecret(undefined, {});
    assert.deepEqual(error(() => { checkSecret('s', {}); }), { code: 429, text: 'Missing mandatory element (secret)' });
    assert.deepEqual(error(() => { checkSecret('s', { secret: 1 }); }), { code: 430, text: 'Invalid element type (secret should be a string)' });
    assert.deepEqual(error(() => { checkSecret('s', { secret: 'x' }); }), { code: 433, text: 'Unauthorized (wrong secret)' });
  });
});

describe('remote publisher streams', () => {
  const sdp = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=extmap:4 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n'
    + 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=extmap:13 urn:3gpp:video-orientation\r\na=extmap:12/sendrecv http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n';
  it('reads the extension ids per m-line', () => {
    assert.deepEqual(extensionIds(sdp), { 0: { audiolevel_ext_id: 4 }, 1: { videoorient_ext_id: 13, playoutdelay_ext_id: 12 } });
  });
  it('numbers streams as the target numbers them and keeps the publisher\'s ids', () => {
    const p: ParticipantRecord = {
      id: 1, display: 'x', backend: 'a', privateId: 2, mirrors: {}, extensions: extensionIds(sdp),
      streams: [{ type: 'audio', mindex: 0, mid: 'a0', codec: 'opus', fec: true, talking: false }, { type: 'video', mindex: 1, mid: 'v1', codec: 'vp8', moderated: true }],
    };
    assert.deepEqual(remoteStreams(p), [
      { mindex: 0, mid: '0', type: 'audio', codec: 'opus', fec: true, audiolevel_ext_id: 4 },
      { mindex: 1, mid: '1', type: 'video', codec: 'vp8', videoorient_ext_id: 13, playoutdelay_ext_id: 12 },
    ]);
  });
});

describe('fields of newer Janus (1.2-1.4) the proxy passes on', () => {
  const metadata = { role: 'speaker', tags: ['a', { nested: true }] };
  const p: ParticipantRecord = {
    id: 3, display: 'd', metadata, backend: 'a', privateId: 1, mirrors: {}, extensions: {},
    streams: [{ type: 'video', mindex: 0, mid: '0', codec: 'vp9', svc: true, vp9_profile: '2', description: 'cam' }],
  };
  it('a participant\'s metadata is in the attendees and joining entries the proxy makes', () => {
    assert.deepEqual(attendee(p), { id: 3, display: 'd', metadata });
    assert.deepEqual(attendee({ ...p, display: undefined, metadata: undefined }), { id: 3 });
  });
  it('and in what its remote copies are told, with svc and the codec profiles of its streams', () => {
    assert.deepEqual(publisherIdentity(p), { display: 'd', metadata });
    assert.deepEqual(remoteStreams(p), [{ mindex: 0, mid: '0', type: 'video', codec: 'vp9', svc: true, vp9_profile: '2', description: 'cam' }]);
  });
});

describe('MemoryRoomStore', () => {
  it('copies in and out; participants, mirrors and backends', async () => {
    const store = new MemoryRoomStore();
    const record = newRoomRecord('r', { request: 'create' }, {}, 'a', options, 1);
    assert.equal(await store.create(record), true);
    assert.equal(await store.create(record), false);
    record.description = 'changed outside';
    assert.equal((await store.get('r'))?.description, 'Room r');
    const p: ParticipantRecord = { id: 7, display: undefined, backend: 'a', privateId: 1, streams: [], extensions: {}, mirrors: {} };
    await store.putParticipant('r', p);
    await store.putMirror('r', 7, { backend: 'b', host: 'h', port: 1, rtcpPort: 2, remoteId: 'jc-b' });
    await store.addBackend('r', 'b');
    const stored = await store.get('r');
    assert.deepEqual(stored?.backends, ['a', 'b']);
    assert.equal(stored.participants['7']?.mirrors.b?.port, 1);
    await store.removeMirror('r', 7, 'b');
    await store.removeBackend('r', 'a');
    await store.removeParticipant('r', 7);
    assert.deepEqual((await store.get('r'))?.participants, {});
    assert.deepEqual((await store.list()).map((room) => room.backends), [['b']]);
    assert.equal(await store.delete('r'), true);
    assert.equal(await store.get('r'), undefined);
  });
});

describe('MemoryRoomStore: taking a room over', () => {
  it('sets the owner only if it is still the one read', async () => {
    const store = new MemoryRoomStore();
    assert.equal(await store.takeOwnership('r', undefined, 'p1'), 0, 'no room, no owner');
    await store.create(newRoomRecord('r', { request: 'create' }, {}, 'a', options, 1));
    assert.equal(await store.takeOwnership('r', undefined, 'p1'), 2);
    assert.equal(await store.takeOwnership('r', undefined, 'p2'), 0, 'a stale take-over loses');
    assert.equal(await store.takeOwnership('r', 'p1', 'p2'), 3);
    assert.equal((await store.get('r'))?.owner, 'p2');
  });
});
