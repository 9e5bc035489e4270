import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRecordingName } from '../../src/recordings/file-name.js';
import { parseMjrHeader } from '../../src/recordings/mjr-header.js';
import { parseByteRange } from '../../src/recordings/byte-range.js';

function mjr(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  return Buffer.concat([Buffer.from('MJR00002', 'latin1'), length, body, Buffer.from('MEET')]);
}

test('an MJR header gives kind, codec and times', () => {
  const result = parseMjrHeader(mjr('{"t":"v","c":"VP8","s":1700000000000000,"u":1700000000250000,"x":{}}'));
  assert.deepEqual(result, { ok: true, header: { kind: 'video', codec: 'vp8', createdUs: 1700000000000000, firstPacketUs: 1700000000250000 } });
});

test('a file with the magic alone is pending while Janus may still write, invalid once complete', () => {
  const magic = Buffer.from('MJR00002', 'latin1');
  assert.equal(parseMjrHeader(magic, false).ok, false);
  assert.deepEqual(parseMjrHeader(magic, false), { ok: false, pending: true, reason: 'no header length yet' });
  assert.deepEqual(parseMjrHeader(magic, true), { ok: false, pending: false, reason: 'truncated header length' });
});

test('broken headers are invalid with a reason', () => {
  assert.match(reason(parseMjrHeader(Buffer.from('RIFF0000\x00\x02{}', 'latin1'))), /not an MJR00002 file/);
  assert.match(reason(parseMjrHeader(mjr('{"t":"x","c":"opus"}'))), /unknown media type/);
  assert.match(reason(parseMjrHeader(mjr('{"t":"a"}'))), /no codec/);
  assert.match(reason(parseMjrHeader(mjr('{"t":"a",'))), /not JSON/);
});

function reason(result: ReturnType<typeof parseMjrHeader>): string {
  return result.ok ? '' : result.reason;
}

test('VideoRoom and AudioBridge names give room, participant, start and kind', () => {
  assert.deepEqual(parseRecordingName('videoroom-1234-user-5678-1700000000000000-video-1.mjr'), {
    plugin: 'videoroom', room: '1234', participant: '5678', startedUs: 1700000000000000, kind: 'video', mindex: 1,
    stem: 'videoroom-1234-user-5678-1700000000000000-video-1',
  });
  assert.deepEqual(parseRecordingName('audiobridge-my-room-user-abc-17-audio.mjr'), {
    plugin: 'audiobridge', room: 'my-room', participant: 'abc', startedUs: 17, kind: 'audio', mindex: undefined,
    stem: 'audiobridge-my-room-user-abc-17-audio',
  });
});

test('RecordPlay, VideoCall and custom names', () => {
  assert.deepEqual(parseRecordingName('rec-42-audio.mjr'), { plugin: 'recordplay', participant: '42', kind: 'audio', stem: 'rec-42-audio' });
  assert.deepEqual(parseRecordingName('videocall-alice-bob-1700000000000000-video.mjr'),
    { plugin: 'videocall', participant: 'alice', peer: 'bob', startedUs: 1700000000000000, kind: 'video', stem: 'videocall-alice-bob-1700000000000000-video' });
  assert.deepEqual(parseRecordingName('videocall-al-ice-bob-17-audio.mjr'),
    { plugin: 'videocall', participant: 'al-ice-bob', startedUs: 17, kind: 'audio', stem: 'videocall-al-ice-bob-17-audio' });
  // Through the proxy Janus knows the users by their aliases, which split even with dashes.
  assert.deepEqual(parseRecordingName('videocall-al-ice~0123456789-b-ob~abcdef0123-17-audio.mjr'),
    { plugin: 'videocall', participant: 'al-ice', peer: 'b-ob', startedUs: 17, kind: 'audio', stem: 'videocall-al-ice~0123456789-b-ob~abcdef0123-17-audio' });
  assert.deepEqual(parseRecordingName('meeting-data.mjr'), { plugin: 'other', kind: 'data', stem: 'meeting-data' });
  assert.equal(parseRecordingName('room.wav'), undefined);
});

test('byte ranges: open, closed, suffix, clamped, unsatisfiable', () => {
  assert.deepEqual(parseByteRange(undefined, 100), { kind: 'all' });
  assert.deepEqual(parseByteRange('bytes=10-', 100), { kind: 'part', start: 10, end: 99 });
  assert.deepEqual(parseByteRange('bytes=10-19', 100), { kind: 'part', start: 10, end: 19 });
  assert.deepEqual(parseByteRange('bytes=-30', 100), { kind: 'part', start: 70, end: 99 });
  assert.deepEqual(parseByteRange('bytes=90-500', 100), { kind: 'part', start: 90, end: 99 });
  assert.deepEqual(parseByteRange('bytes=100-', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseByteRange('bytes=0-1,5-6', 100), { kind: 'all' });
});
