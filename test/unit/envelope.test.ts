import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EnvelopeError, parseEnvelope } from '../../src/protocol/envelope.js';

function rejects(payload: unknown): { code: number; reason: string; sessionId: number | undefined; transaction: string | undefined } {
  try {
    parseEnvelope(payload);
  } catch (err) {
    assert.ok(err instanceof EnvelopeError);
    return { code: err.code, reason: err.reason, sessionId: err.sessionId, transaction: err.transaction };
  }
  assert.fail('expected an envelope error');
}

describe('parseEnvelope (Janus 1.1.2 validation order)', () => {
  it('classifies root, session and handle requests, verbs case-insensitively', () => {
    assert.deepEqual(parseEnvelope({ janus: 'PING', transaction: 't' }), { level: 'root', verb: 'ping', transaction: 't', raw: { janus: 'PING', transaction: 't' } });
    assert.equal(parseEnvelope({ janus: 'keepalive', transaction: 't', session_id: 5 }).level, 'session');
    assert.equal(parseEnvelope({ janus: 'message', transaction: 't', session_id: 5, handle_id: 6 }).level, 'handle');
  });

  const table: [string, unknown, { code: number; reason: string; sessionId: number | undefined; transaction: string | undefined }][] = [
    ['array payload', [], { code: 456, reason: 'Missing mandatory element (transaction)', sessionId: undefined, transaction: undefined }],
    ['missing transaction keeps session id', { janus: 'x', session_id: 9 }, { code: 456, reason: 'Missing mandatory element (transaction)', sessionId: 9, transaction: undefined }],
    ['numeric transaction', { janus: 'x', transaction: 1 }, { code: 467, reason: 'Invalid element type (transaction should be a string)', sessionId: undefined, transaction: undefined }],
    ['missing verb', { transaction: 't' }, { code: 456, reason: 'Missing mandatory element (janus)', sessionId: undefined, transaction: undefined }],
    ['negative id', { janus: 'create', transaction: 't', id: -1 }, { code: 467, reason: 'Invalid element type (id should be a positive integer)', sessionId: undefined, transaction: undefined }],
    ['session verb at root', { janus: 'attach', transaction: 't' }, { code: 457, reason: "Unhandled request 'attach' at this path", sessionId: undefined, transaction: 't' }],
    ['string session id is no session', { janus: 'attach', transaction: 't', session_id: '5' }, { code: 457, reason: "Unhandled request 'attach' at this path", sessionId: undefined, transaction: 't' }],
    ['handle without session', { janus: 'message', transaction: 't', handle_id: 5 }, { code: 458, reason: 'Session not found', sessionId: undefined, transaction: 't' }],
    ['handle id 0', { janus: 'message', transaction: 't', session_id: 5, handle_id: 0 }, { code: 459, reason: 'Handle not found', sessionId: 5, transaction: 't' }],
  ];
  for (const [name, payload, expected] of table) {
    it(name, () => { assert.deepEqual(rejects(payload), expected); });
  }
});
