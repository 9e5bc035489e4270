import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readAck } from '../../src/protocol/ack-frame.js';

describe('readAck', () => {
  it('reads Janus\'s ack as JSON.parse does', () => {
    const text = '{"janus":"ack","session_id":8219358093219075,"transaction":"jc-00000001abcd"}';
    assert.deepEqual(readAck(text), JSON.parse(text));
  });

  it('reads the EchoTest\'s ack, which always has a hint, as JSON.parse does', () => {
    for (const text of [
      '{"janus":"ack","session_id":1029486613991723,"transaction":"m0-abcdefghijk","hint":"I\'m taking my time!"}',
      '{"janus":"ack","session_id":1,"transaction":"t","hint":""}',
      '{"janus":"ack","session_id":1,"transaction":"","hint":"h"}',
    ]) assert.deepEqual(readAck(text), JSON.parse(text), text);
  });

  it('leaves every other shape to JSON.parse', () => {
    for (const text of [
      '{"janus":"ack","session_id":1,"transaction":"t","hint":"h","x":1}',
      '{"janus":"ack","session_id":1,"transaction":"t","hint":"a\\"b"}',
      '{"janus":"ack","session_id":1,"transaction":"t","hint":"}',
      '{"janus":"ack","session_id":1,"hint":"h","transaction":"t"}',
      '{"janus":"ack","session_id":1,"transaction":"t","hint":1}',
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
    // Transactions and hints that may spell the hint's key themselves.
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 24 }), fc.constantFrom('","hint":"', 'a","hint":"b', '"', ''));
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), text, fc.option(text, { nil: undefined }), (sessionId, transaction, hint) => {
      const ack = JSON.stringify(hint === undefined ? { janus: 'ack', session_id: sessionId, transaction } : { janus: 'ack', session_id: sessionId, transaction, hint });
      const read = readAck(ack);
      if (read !== undefined) assert.deepEqual(read, JSON.parse(ack));
      assert.equal(read !== undefined, !JSON.stringify(transaction).includes('\\') && !JSON.stringify(hint ?? '').includes('\\'), ack);
    }), { numRuns: 5000 });
  });

  it('never differs from JSON.parse on mutated acks', () => {
    const bases = ['{"janus":"ack","session_id":4503599627370495,"transaction":"jc-1"}', '{"janus":"ack","session_id":4503599627370495,"transaction":"jc-1","hint":"slow"}'];
    const mutation = fc.record({ at: fc.nat({ max: bases[1]?.length ?? 0 }), cut: fc.nat({ max: 3 }), insert: fc.constantFrom('', ' ', '"', '\\', '0', '9', ',', '}', '.5', 'e3', '-', '","hint":"', ':') });
    fc.assert(fc.property(fc.constantFrom(...bases), fc.array(mutation, { minLength: 1, maxLength: 3 }), (base, mutations) => {
      let text = base;
      for (const m of mutations) text = text.slice(0, m.at) + m.insert + text.slice(m.at + m.cut);
      const read = readAck(text);
      if (read !== undefined) assert.deepEqual(read, JSON.parse(text), text);
    }), { numRuns: 20000 });
  });
});
