import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { frameRequests, nestsDeeperThan, NOT_ONE_VALUE, oneValue } from '../../src/protocol/frames.js';

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
