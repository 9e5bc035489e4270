import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { frameRequests, nestsDeeperThan, NOT_ONE_VALUE, oneValue, stringEnd, valueEnd } from '../../src/protocol/frames.js';

describe('nestsDeeperThan', () => {
  it('counts nesting outside strings only', () => {
    assert.equal(nestsDeeperThan('[[[]]]', 2), true);
    assert.equal(nestsDeeperThan('[[]]', 2), false);
    assert.equal(nestsDeeperThan('["[[[[", "\\"[[["]', 1), false);
    assert.equal(nestsDeeperThan('{"a":{"b":[1]}}', 3), false);
    assert.equal(nestsDeeperThan('{"a":{"b":[[1]]}}', 3), true);
  });
});

const ping = (tx: string): string => `{"janus":"ping","transaction":"${tx}"}`;

describe('frameRequests (what Janus 1.1.2 does with a frame, measured)', () => {
  const ok: [string, string, unknown[]][] = [
    ['one object', ping('a'), [{ janus: 'ping', transaction: 'a' }]],
    ['two objects back to back', ping('a') + ping('b'), [{ janus: 'ping', transaction: 'a' }, { janus: 'ping', transaction: 'b' }]],
    ['whitespace before each', ` ${ping('a')} \n\t${ping('b')}`, [{ janus: 'ping', transaction: 'a' }, { janus: 'ping', transaction: 'b' }]],
    ['an array and an empty object are requests too', `${ping('a')}[1]{}`, [{ janus: 'ping', transaction: 'a' }, [1], {}]],
    ['brackets inside strings', '{"a":"}{"}{"b":"\\"]"}', [{ a: '}{' }, { b: '\\"]'.slice(1) }]],
  ];
  for (const [name, text, requests] of ok) {
    it(name, () => { assert.deepEqual(frameRequests(text), { requests }); });
  }

  const broken: [string, string, RegExp][] = [
    ['a broken second object drops the first too', `${ping('a')}{"janus":"ping","transaction":}`, /./],
    ['an unterminated second object', `${ping('a')}{"janus":"ping"`, /./],
    ['text after an object', `${ping('a')}xyz`, /'\[' or '\{' expected near 'xyz'/],
    ['a scalar after an object', `${ping('a')}5`, /'\[' or '\{' expected near '5'/],
    ['a stray closing brace', `${ping('a')}}`, /near '\}'/],
    ['a comma between objects', `${ping('a')},${ping('b')}`, /near ','/],
    ['trailing whitespace', `${ping('a')}\n`, /near end of file/],
    ['an empty frame', '', /near end of file/],
    ['only whitespace', '   ', /near end of file/],
    ['a scalar', '"str"', /'\[' or '\{' expected/],
  ];
  for (const [name, text, error] of broken) {
    it(`${name}: one error, no request`, () => {
      const result = frameRequests(text);
      assert.ok('error' in result, JSON.stringify(result));
      assert.match(result.error, error);
    });
  }
});

describe('compact JSON from newer Janus (1.2-1.4)', () => {
  // As a 1.4 backend with `json = "compact"` sends it: new keys anywhere must come through unchanged.
  const event = {
    janus: 'event', session_id: 1, sender: 2, plugindata: { plugin: 'janus.plugin.videoroom', data: {
      videoroom: 'event', room: 1234, publishers: [{ id: 5, display: 'x', metadata: { k: [1, 'v'] }, streams: [
        { type: 'video', mindex: 0, mid: '0', codec: 'vp9', svc: true, videoorient_ext_id: 13, playoutdelay_ext_id: 12 },
      ] }],
      streams: [{ feed_id: 5, feed_metadata: { k: 1 }, audiolevel_ext_id: 1 }],
    } },
  };
  it('parses to the same object, one or several per frame', () => {
    const compact = JSON.stringify(event);
    assert.deepEqual(frameRequests(compact), { requests: [event] });
    assert.deepEqual(frameRequests(compact + compact), { requests: [event, event] });
    assert.deepEqual(frameRequests(JSON.stringify(event, null, 4)), { requests: [event] });
  });
  it('requests keep srtp_suite and the rest as sent', () => {
    const request = { janus: 'message', transaction: 't', body: { request: 'rtp_forward', srtp_suite: 80, srtp_crypto: 'x', metadata: 'm' } };
    assert.deepEqual(frameRequests(JSON.stringify(request)), { requests: [request] });
  });
});

describe('oneValue (the per-message fast path)', () => {
  it('parses a frame that is exactly one object or array', () => {
    assert.deepEqual(oneValue(ping('a')), { janus: 'ping', transaction: 'a' });
    assert.deepEqual(oneValue('[1,{"a":2}]'), [1, { a: 2 }]);
  });
  it('leaves everything else to frameRequests', () => {
    for (const text of ['', ' ', `${ping('a')}${ping('b')}`, ` ${ping('a')}`, `${ping('a')}\n`, '{"a":}', '"x"', '12', '{"a":1}]']) {
      assert.equal(oneValue(text), NOT_ONE_VALUE, JSON.stringify(text));
      assert.deepEqual(frameRequests(text), frameRequests(` ${text}`.slice(1)), 'same answer as before');
    }
  });
});

/** valueEnd read character by character, escapes stepped over one at a time: what the indexOf jumps must match. */
function valueEndByCharacter(text: string, start: number, compactOnly: boolean): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return i + 1;
    } else if (compactOnly && c <= 0x20) return -1;
  }
  return -1;
}

describe('valueEnd and stringEnd', () => {
  it('end strings at the first quote after an even run of backslashes', () => {
    assert.equal(stringEnd('"ab"', 0), 4);
    assert.equal(stringEnd(String.raw`"a\\"x"`, 0), 5);
    assert.equal(stringEnd(String.raw`"a\\\"x"`, 0), 8);
    assert.equal(stringEnd(String.raw`"a\\\"x`, 0), -1);
    assert.equal(valueEnd(String.raw`{"a":"}\\"}`, 0), 11);
  });

  it('agree with a character-by-character scan on JSON values and on broken text', () => {
    // Texts rich in what the scan cares about: quotes, backslashes, brackets, spaces.
    const noisy = fc.array(fc.constantFrom('"', '\\', '{', '}', '[', ']', ' ', 'a', ':', ','), { maxLength: 40 }).map((parts) => parts.join(''));
    const json = fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.boolean()).map(([value, indented]) => JSON.stringify({ v: value }, null, indented ? 1 : undefined));
    fc.assert(fc.property(fc.oneof(json, noisy, fc.tuple(json, noisy).map(([a, b]) => a.slice(0, a.length >> 1) + b)), fc.boolean(), (text, compactOnly) => {
      for (let start = 0; start < text.length; start++) {
        const c = text.charCodeAt(start);
        if (c !== 0x7b && c !== 0x5b) continue;
        assert.equal(valueEnd(text, start, compactOnly), valueEndByCharacter(text, start, compactOnly), `${JSON.stringify(text)} from ${String(start)}`);
      }
    }), { numRuns: 3000 });
  });
});
