/**
 * The relay path's unparsed client messages (ClientMessage, messageFrame) against the parsed path
 * they replace: JSON.parse of the frame, the envelope checked, the backend message built as an
 * object and JSON.stringify'd. A client's frames are not trusted, so besides agreeing with the
 * parsed path wherever a frame is taken, nothing that is not valid JSON may ever be taken.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ClientMessage, messageFrame } from '../../src/protocol/client-message.js';

type Json = Record<string, unknown>;

const KEYS = ['janus', 'session_id', 'handle_id', 'transaction', 'body'];

/** What the parsed path sends Janus for the message (BackendHandle.sendMessage + BackendConnection.send). */
function straightforward(parsed: Json, backendSession: number, backendHandle: number, backendTx: string, apisecret?: string): string {
  const msg: Json = { janus: 'message', session_id: backendSession, transaction: backendTx, handle_id: backendHandle, body: parsed.body };
  if (apisecret !== undefined) msg.apisecret = apisecret;
  return JSON.stringify(msg);
}

/** Checks one frame; returns whether the scan took it. Taken means: valid JSON, the usual message, and the same backend message. */
function check(text: string): boolean {
  const message = ClientMessage.scan(text);
  if (message === undefined) return false;
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    assert.fail(`scan took a frame that is not JSON: ${text}`);
  }
  assert.deepEqual(Object.keys(parsed).sort(), [...KEYS].sort(), text);
  assert.equal(parsed.janus, 'message');
  assert.equal(message.sessionId, parsed.session_id);
  assert.equal(message.handleId, parsed.handle_id);
  assert.equal(message.transaction, parsed.transaction);
  assert.ok(typeof parsed.body === 'object' && parsed.body !== null && !Array.isArray(parsed.body), text);
  assert.deepEqual(JSON.parse(message.body), parsed.body);
  const credentials = `,"apisecret":${JSON.stringify('s3cr"et')}`;
  const fast = messageFrame(123, 456, 'abc1234-00ff', message.body, credentials);
  // The body keeps the client's spelling, so the same JSON value is the requirement.
  assert.equal(JSON.stringify(JSON.parse(fast)), straightforward(parsed, 123, 456, 'abc1234-00ff', 's3cr"et'), `${text} → ${fast}`);
  return true;
}

describe('ClientMessage', () => {
  it('takes real clients\' plugin messages (janus.js, Janode, the load generator key orders)', () => {
    const frames = [
      // janus.js: {janus, body, transaction} then session_id and handle_id added
      '{"janus":"message","body":{"audio":true,"video":true},"transaction":"Yb6zj9nKcS2x","session_id":3782924567612345,"handle_id":8293746512093847}',
      // Janode: transaction first
      '{"janus":"message","transaction":"1-aBc","body":{"request":"configure","bitrate":128000},"session_id":1,"handle_id":2}',
      // the load generator and bench: the transaction last
      '{"janus":"message","session_id":42,"handle_id":43,"body":{"audio":true},"transaction":"t-000001"}',
      '{"janus":"message","session_id":42,"handle_id":43,"body":{},"transaction":""}',
      '{"janus":"message","session_id":42,"handle_id":43,"body":{"s":"caf\\u00e9 \\" \\\\ \\/ ✓","n":[1,-2.5e-3,null,false,{"a":[]}]},"transaction":"t"}',
    ];
    for (const text of frames) assert.ok(check(text), `not taken: ${text}`);
  });

  it('sends the body as the client wrote it: reals stay reals, big integers stay exact', () => {
    const message = ClientMessage.scan('{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"bitrate":128000.0,"big":18446744073709551615}}');
    assert.equal(message?.body, '{"bitrate":128000.0,"big":18446744073709551615}');
    assert.equal(messageFrame(7, 8, 'x-1', message.body, ''), '{"janus":"message","session_id":7,"transaction":"x-1","handle_id":8,"body":{"bitrate":128000.0,"big":18446744073709551615}}');
  });

  it('declines every frame that needs the parsed path', () => {
    const ok = '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1}}';
    assert.ok(check(ok));
    const declined = [
      '{"janus": "message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1}}', // not compact
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a": 1}}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1}}\n',
      '{"janus":"MESSAGE","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1}}', // Janus lower-cases: the parsed path does too
      '{"janus":"trickle","session_id":1,"handle_id":2,"transaction":"t","candidate":{"completed":true}}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1},"jsep":{"type":"offer","sdp":"v=0"}}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1},"token":"abc"}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1},"apisecret":"s"}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1},"other":1}',
      '{"janus":"message","session_id":1,"handle_id":2,"body":{"a":1}}', // no transaction: Janus's 456
      '{"janus":"message","session_id":1,"transaction":"t","body":{"a":1}}', // no handle: a session-level request
      '{"janus":"message","handle_id":2,"transaction":"t","body":{"a":1}}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t"}', // no body: Janus's 456
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":[1]}', // Janus's 467
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":"x"}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":null}',
      '{"janus":"message","session_id":0,"handle_id":2,"transaction":"t","body":{}}',
      '{"janus":"message","session_id":-1,"handle_id":2,"transaction":"t","body":{}}',
      '{"janus":"message","session_id":1.0,"handle_id":2,"transaction":"t","body":{}}',
      '{"janus":"message","session_id":1e3,"handle_id":2,"transaction":"t","body":{}}',
      '{"janus":"message","session_id":01,"handle_id":2,"transaction":"t","body":{}}',
      '{"janus":"message","session_id":"1","handle_id":2,"transaction":"t","body":{}}',
      '{"janus":"message","session_id":9007199254740993,"handle_id":2,"transaction":"t","body":{}}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":5,"body":{}}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"a\\"b","body":{}}', // an escape
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"a\tb","body":{}}', // a raw control character: not JSON
      '{"janus":"message","session_id":1,"session_id":1,"handle_id":2,"transaction":"t","body":{}}', // twice
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{},"body":{}}',
      '{"janus":"message","janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{}}',
      '{"jan\\u0075s":"message","session_id":1,"handle_id":2,"transaction":"t","body":{}}', // an escaped key
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":tru}}', // not JSON inside the body
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1,}}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":"\u0001"}}',
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1}', // cut short
      '{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{"a":1}}{"janus":"ping","transaction":"u"}', // two in one frame
      '[{"janus":"message","session_id":1,"handle_id":2,"transaction":"t","body":{}}]',
      '{}',
      '',
    ];
    for (const text of declined) assert.equal(ClientMessage.scan(text), undefined, text);
  });

  it('matches the parsed path on fuzzed messages, and takes every compact one of the usual shape', () => {
    const id = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 60) });
    const transaction = fc.oneof(
      { weight: 6, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) }, // some need escapes: declined
      { weight: 1, arbitrary: fc.integer() },
    );
    const frame = fc.record({
      sessionId: id,
      handleId: id,
      transaction,
      body: fc.oneof({ weight: 5, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
      // Mostly none; fc.option's freq is the odds of its nil value, so rare ones are written out.
      extra: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom<[string, unknown]>(['jsep', { type: 'offer', sdp: 'v=0' }], ['token', 'x'], ['apisecret', 'y'], ['opaque_id', 'z']) }),
      omit: fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...KEYS) }),
      order: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
    });
    let taken = 0;
    fc.assert(fc.property(frame, (f) => {
      const entries: [string, unknown][] = [['janus', 'message'], ['session_id', f.sessionId], ['handle_id', f.handleId], ['transaction', f.transaction], ['body', f.body]];
      if (f.extra) entries.push(f.extra);
      const ordered = entries.filter(([k]) => k !== f.omit).map((entry, i) => ({ entry, w: f.order[i] ?? 0 })).sort((a, b) => a.w - b.w).map((x) => x.entry);
      const text = JSON.stringify(Object.fromEntries(ordered));
      const safe = (n: number): boolean => Number.isSafeInteger(n) && n > 0;
      const usual = f.omit === undefined && f.extra === undefined && safe(f.sessionId) && safe(f.handleId)
        && typeof f.transaction === 'string' && !JSON.stringify(f.transaction).includes('\\')
        && typeof f.body === 'object' && f.body !== null && !Array.isArray(f.body);
      const took = check(text);
      if (took) taken++;
      assert.equal(took, usual, `usual message not taken, or an unusual one taken: ${text}`);
    }), { numRuns: 5000 });
    assert.ok(taken > 1000, `taken ${String(taken)}`);
  });

  it('never takes a mutated frame that is not JSON, and agrees with the parsed path on those that are', () => {
    const base = '{"janus":"message","body":{"request":"configure","list":[1,"two",{"x":null}],"ok":true},"transaction":"tx-1","session_id":77,"handle_id":88}';
    const insert = fc.constantFrom('', ' ', '\n', '\t', '\u0001', '"', '\\', ',', ':', '{', '}', '[', ']', '0', '-', '.', 'e', 'tru', 'x', '"a":1,', ',"body":{}', ',"session_id":2', '"jsep":{},');
    const mutation = fc.record({ at: fc.nat({ max: base.length }), cut: fc.nat({ max: 4 }), insert });
    let taken = 0;
    let invalid = 0;
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
      let text = base;
      for (const m of mutations) text = text.slice(0, m.at) + m.insert + text.slice(m.at + m.cut);
      try {
        JSON.parse(text);
      } catch {
        invalid++;
      }
      if (check(text)) taken++;
    }), { numRuns: 20000 });
    assert.ok(invalid > 5000 && taken > 0, `invalid ${String(invalid)}, taken ${String(taken)}`);
  });
});
