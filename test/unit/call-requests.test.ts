import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CallError, CallErrorCode, CallErrors } from '../../src/plugins/videocall/errors.js';
import { checkJsep, hangupReason, parseRequest, parseSettings, parseUsername } from '../../src/plugins/videocall/requests.js';
import { CandidateBuffer, candidatesOf } from '../../src/plugins/videocall/candidates.js';
import { JanusError } from '../../src/protocol/errors.js';

function callError(fn: () => unknown): { code: number; reason: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CallError, `not a CallError: ${String(err)}`);
    return { code: err.code, reason: err.message };
  }
  assert.fail('did not throw');
}

function coreError(fn: () => unknown): { code: number; reason: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof JanusError, `not a JanusError: ${String(err)}`);
    return { code: err.code, reason: err.reason };
  }
  assert.fail('did not throw');
}

describe('call plugins: error catalogue', () => {
  it('has unique codes, all in VideoCall\'s range', () => {
    const codes = Object.values(CallErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) assert.ok(code === 499 || (code >= 470 && code <= 483), String(code));
  });

  it('builds VideoCall\'s texts', () => {
    assert.deepEqual({ code: CallErrors.usernameTaken('a').code, text: CallErrors.usernameTaken('a').message }, { code: 476, text: "Username 'a' already taken" });
    assert.equal(CallErrors.useEchoTest().message, "You can't call yourself... use the EchoTest for that");
    assert.equal(CallErrors.noSuchUsername('x').code, 478);
  });
});

describe('call plugins: request parsing', () => {
  it('reads the request name case-insensitively, with VideoCall\'s errors', () => {
    assert.equal(parseRequest({ request: 'LiSt' }), 'list');
    assert.deepEqual(callError(() => parseRequest({})), { code: 475, reason: 'Missing mandatory element (request)' });
    assert.deepEqual(callError(() => parseRequest({ request: 1 })), { code: 474, reason: 'Invalid element type (request should be a string)' });
    assert.deepEqual(callError(() => parseRequest({ request: 'Dance' })), { code: 472, reason: 'Unknown request (Dance)' });
  });

  it('checks usernames and hangup reasons', () => {
    assert.equal(parseUsername({ username: 'ünïcode name' }), 'ünïcode name');
    assert.deepEqual(callError(() => parseUsername({})), { code: 475, reason: 'Missing mandatory element (username)' });
    assert.deepEqual(callError(() => parseUsername({ username: null })), { code: 474, reason: 'Invalid element type (username should be a string)' });
    assert.equal(hangupReason({ reason: 'Bye' }), 'Bye');
    assert.equal(hangupReason({ reason: 5 }), 'We did the hangup');
  });

  it('checks set fields in Janus\'s order and keeps only the given ones', () => {
    assert.deepEqual(parseSettings({ request: 'set', audio: false, bitrate: 0, other: 1 }), { audio: false, bitrate: 0 });
    const cases: [Record<string, unknown>, string][] = [
      [{ audio: 1 }, 'Invalid element type (audio should be a boolean)'],
      [{ video: 'no' }, 'Invalid element type (video should be a boolean)'],
      [{ bitrate: -1 }, 'Invalid element type (bitrate should be a positive integer)'],
      [{ bitrate: 1.5 }, 'Invalid element type (bitrate should be a positive integer)'],
      [{ record: 'x' }, 'Invalid element type (record should be a boolean)'],
      [{ filename: 1 }, 'Invalid element type (filename should be a string)'],
      [{ restart: 0 }, 'Invalid element type (restart should be a boolean)'],
      [{ substream: 3 }, 'Invalid value (substream should be 0, 1 or 2)'],
      [{ temporal: -1 }, 'Invalid value (temporal should be 0, 1 or 2)'],
      [{ fallback: 'x' }, 'Invalid value (fallback should be a positive integer)'],
      [{ audio: 1, substream: 9 }, 'Invalid element type (audio should be a boolean)'],
    ];
    for (const [body, reason] of cases) assert.deepEqual(callError(() => parseSettings(body)), { code: 474, reason }, JSON.stringify(body));
  });

  it('checks a jsep as Janus\'s core does, with core error codes', () => {
    assert.deepEqual(checkJsep({ type: 'offer', sdp: 'v=0\r\n', trickle: true }), { type: 'offer', sdp: 'v=0\r\n' });
    const cases: [Record<string, unknown>, number, string][] = [
      [{ sdp: 'v=0' }, 456, 'JSEP error: missing mandatory element (type)'],
      [{ type: 'offer' }, 456, 'JSEP error: missing mandatory element (sdp)'],
      [{ type: 1, sdp: 'v=0' }, 467, 'JSEP error: invalid element type (type should be a string)'],
      [{ type: 'offer', sdp: 'v=0', rid_order: 1 }, 467, 'JSEP error: invalid element type (rid_order should be a string)'],
      [{ type: 'pranswer', sdp: 'v=0' }, 464, "JSEP error: unknown message type 'pranswer'"],
      [{ type: 'answer', sdp: 'x' }, 465, "Invalid SDP (doesn't start with v=)"],
    ];
    for (const [jsep, code, reason] of cases) assert.deepEqual(coreError(() => checkJsep(jsep)), { code, reason }, JSON.stringify(jsep));
  });
});

describe('call plugins: held candidates', () => {
  it('keeps order, turns null and non-objects into end-of-candidates, and is bounded', () => {
    assert.deepEqual(candidatesOf({ candidate: null }), [{ completed: true }]);
    assert.deepEqual(candidatesOf({ candidates: 'x' }), []);
    const buffer = new CandidateBuffer();
    buffer.add({ candidate: { candidate: 'a' } });
    buffer.add({ candidates: [{ candidate: 'b' }, { candidate: 'c' }] });
    buffer.add({ candidate: { completed: true } });
    assert.deepEqual(buffer.take(), [{ candidate: 'a' }, { candidate: 'b' }, { candidate: 'c' }, { completed: true }]);
    assert.equal(buffer.size, 0);
    for (let i = 0; i < 500; i++) buffer.add({ candidate: { candidate: String(i) } });
    const kept = buffer.take();
    assert.equal(kept.length, 200);
    assert.deepEqual(kept.at(-1), { candidate: '499' });
  });
});
