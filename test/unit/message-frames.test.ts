/**
 * The frames written without serialising a whole message object — a plugin message to Janus around
 * its serialised body (messageFrame) and a client's ack (ackJson) — against JSON.stringify of the
 * object they replace: the same bytes, for fuzzed ids, transactions (escapes included), bodies and
 * backend credentials.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ackJson, ackReply, messageFrame } from '../../src/protocol/messages.js';

const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 8 }));

describe('message frames', () => {
  it('messageFrame writes what JSON.stringify writes for the message object', () => {
    fc.assert(fc.property(id, id, text, fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), fc.jsonValue({ maxDepth: 3 })), fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined }),
      (session, handle, transaction, body, apisecret, token) => {
        const msg: Record<string, unknown> = { janus: 'message', session_id: session, transaction, handle_id: handle, body };
        if (apisecret !== undefined) msg.apisecret = apisecret;
        if (token !== undefined) msg.token = token;
        const credentials = (apisecret === undefined ? '' : `,"apisecret":${JSON.stringify(apisecret)}`) + (token === undefined ? '' : `,"token":${JSON.stringify(token)}`);
        assert.equal(messageFrame(String(session), String(handle), transaction, JSON.stringify(body), credentials), JSON.stringify(msg));
      }), { numRuns: 3000 });
  });

  it('ackJson writes what JSON.stringify writes for ackReply', () => {
    fc.assert(fc.property(id, text, fc.option(text, { nil: undefined }), (session, transaction, hint) => {
      assert.equal(ackJson(String(session), transaction, hint), JSON.stringify(ackReply(session, transaction, hint)));
    }), { numRuns: 3000 });
  });
});
