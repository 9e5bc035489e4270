import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readAck } from '../../src/protocol/ack-frame.js';

describe('readAck', () => {
  it('reads Janus\'s ack as JSON.parse does', () => {
    const text = '{"janus":"ack","session_id":8219358093219075,"transaction":"jc-00000001abcd"}';
    assert.deepEqual(readAck(text), JSON.parse(text));
  });

  it('leaves every other shape to JSON.parse', () => {
    for (const text of [
      '{"janus":"ack","session_id":1,"transaction":"t","hint":"h"}',
      '{"janus":"ack","transaction":"t","session_id":1}',
      '{"janus": "ack","session_id":1,"transaction":"t"}',
      '{"janus":"ack","session_id":01,"transaction":"t"}',
      '{"janus":"ack","session_id":9007199254740993,"transaction":"t"}',
      '{"janus":"ack","session_id":,"transaction":"t"}',
      '{"janus":"ack","session_id":1.5,"transaction":"t"}',
      '{"janus":"ack","session_id":1,"transaction":"a\\"b"}',
      '{"janus":"ack","session_id":1,"transaction":"a"b"}',
      '{"janus":"success","session_id":1,"transaction":"t"}',
      '{"janus":"ack","session_id":1,"transaction":"t"} ',
      '{"janus":"ack","session_id":1,"transaction":"}', // not JSON: the value's quote is the closing one
    ]) assert.equal(readAck(text), undefined, text);
  });

  it('gives JSON.parse\'s object for any ack it takes, and takes every plain one (fuzzed)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.string({ unit: 'grapheme', maxLength: 24 }), (sessionId, transaction) => {
      const text = JSON.stringify({ janus: 'ack', session_id: sessionId, transaction });
      const read = readAck(text);
      if (read !== undefined) assert.deepEqual(read, JSON.parse(text));
      assert.equal(read !== undefined, !JSON.stringify(transaction).includes('\\'), text);
    }), { numRuns: 5000 });
  });

  it('never differs from JSON.parse on mutated acks', () => {
    const base = '{"janus":"ack","session_id":4503599627370495,"transaction":"jc-1"}';
    const mutation = fc.record({ at: fc.nat({ max: base.length }), cut: fc.nat({ max: 3 }), insert: fc.constantFrom('', ' ', '"', '\\', '0', '9', ',', '}', '.5', 'e3', '-') });
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
      let text = base;
      for (const m of mutations) text = text.slice(0, m.at) + m.insert + text.slice(m.at + m.cut);
      const read = readAck(text);
      if (read !== undefined) assert.deepEqual(read, JSON.parse(text), text);
    }), { numRuns: 20000 });
  });
});
