/**
 * The relay path's unparsed events (RelayedEvent) against the straightforward path they replace:
 * JSON.parse, ids and transaction set on the object, JSON.stringify. Real-shaped Janus events and
 * fuzzed ones (fast-check) go through both; wherever the scan takes an event, the client must get
 * the same message, and every event of the common shape must be taken.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RelayedEvent } from '../../src/protocol/relayed-event.js';

type Json = Record<string, unknown>;

/** What the parsed path sends the client: Janus's event with the client's ids and transaction (or none). */
function straightforward(text: string, sessionId: number, handleId: number, transaction: string | undefined): string {
  const msg = JSON.parse(text) as Json;
  msg.session_id = sessionId;
  msg.sender = handleId;
  if (typeof msg.transaction === 'string') {
    if (transaction === undefined) delete msg.transaction;
    else msg.transaction = transaction;
  }
  return JSON.stringify(msg);
}

/** Whether the parsed path would relay `text` as a plugin event of the relay (what the scan may take). */
function relayable(text: string): boolean {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return false;
  const m = msg as Json;
  return m.janus === 'event' && Number.isSafeInteger(m.session_id) && Number.isSafeInteger(m.sender) && m.jsep === undefined
    && (m.transaction === undefined || typeof m.transaction === 'string');
}

/** Checks one event through both paths; returns whether the scan took it. */
function check(text: string, sessionId: number, handleId: number, transaction: string | undefined): boolean {
  const event = RelayedEvent.scan(text);
  if (event === undefined) return false;
  assert.ok(relayable(text), `scan took what the parsed path would not relay: ${text}`);
  const parsed = JSON.parse(text) as Json;
  assert.equal(event.sessionId, parsed.session_id);
  assert.equal(event.sender, parsed.sender);
  assert.equal(event.transaction, parsed.transaction);
  const fast = event.rewrite(String(sessionId), String(handleId), transaction);
  const slow = straightforward(text, sessionId, handleId, transaction);
  // Janus's own bytes are kept, so the same JSON value is the requirement; from JSON.stringify's output, the same bytes.
  assert.equal(JSON.stringify(JSON.parse(fast)), slow, `${text} → ${fast}`);
  return true;
}

const ECHOTEST = { plugin: 'janus.plugin.echotest', data: { echotest: 'event', result: 'ok' } };
const VIDEOROOM = {
  plugin: 'janus.plugin.videoroom',
  data: { videoroom: 'event', room: 1234, publishers: [{ id: 4503599627370495, display: 'Zoë "the" \\ one\n', audio_codec: 'opus', streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'opus' }, { type: 'video', mindex: 1, mid: '1', codec: 'vp8', simulcast: true }] }], configured: 'ok' },
};
const TEXTROOM = { plugin: 'janus.plugin.textroom', data: { textroom: 'success', participants: [], text: '{"a":[1,2]} ,:}' } };

describe('RelayedEvent', () => {
  it('takes real-shaped Janus events and gives the client what the parsed path gives', () => {
    const events: Json[] = [
      { janus: 'event', session_id: 8219358093219075, transaction: 'jc-00000001abcd', sender: 3219075821935809, plugindata: ECHOTEST },
      { janus: 'event', session_id: 1, sender: 2, plugindata: VIDEOROOM },
      { janus: 'event', session_id: 5, transaction: 'x', sender: 6, plugindata: TEXTROOM },
      { transaction: 'first', janus: 'event', sender: 9, session_id: 8, plugindata: ECHOTEST },
      { janus: 'event', session_id: 8, sender: 9, plugindata: ECHOTEST, transaction: 'last' },
      { janus: 'event', session_id: 8, sender: 9, plugindata: { plugin: 'janus.plugin.streaming', data: { streaming: 'event', result: { status: 'started', bitrate: 0.25, e: -1.5e-7, ok: true, none: null } } } },
    ];
    for (const event of events) {
      const text = JSON.stringify(event);
      for (const tx of ['client-tx', undefined, 'quote " backslash \\ unicode ✓ \u2028']) {
        assert.ok(check(text, 4503599627370495, 1, tx), `not taken: ${text}`);
      }
    }
  });

  it('keeps Janus\'s own spelling of values (jansson escapes, reals), as the same JSON value', () => {
    const text = '{"janus":"event","session_id":11,"transaction":"jc-1","sender":12,"plugindata":{"plugin":"janus.plugin.echotest","data":{"s":"caf\\u00E9 \\u001F \\/","r":0.10000000000000001,"big":18446744073709551615,"e":1E+2}}}';
    assert.ok(check(text, 21, 22, 'c'));
    const out = RelayedEvent.scan(text)?.rewrite('21', '22', 'c');
    assert.ok(out?.includes('"big":18446744073709551615'), 'a 64-bit number reaches the client as Janus wrote it');
  });

  it('declines what it does not take, leaving it to the parsed path', () => {
    const declined = [
      '{"janus": "event","session_id":1,"sender":2}', // not compact
      '{\n   "janus": "event",\n   "session_id": 1,\n   "sender": 2\n}', // indented
      '{"janus":"event","session_id":1,"sender":2,"plugindata":{"data": 1}}', // whitespace inside
      '{"janus":"event","session_id":1,"sender":2,"jsep":{"type":"offer","sdp":"v=0"}}', // an SDP
      '{"janus":"ack","session_id":1,"transaction":"t"}',
      '{"janus":"webrtcup","session_id":1,"sender":2}',
      '{"janus":"event","session_id":1}', // no sender
      '{"janus":"event","session_id":1.5,"sender":2}',
      '{"janus":"event","session_id":-1,"sender":2}',
      '{"janus":"event","session_id":01,"sender":2}',
      '{"janus":"event","session_id":9007199254740993,"sender":2}', // beyond 2^53: JSON.parse would round it
      '{"janus":"event","session_id":"1","sender":2}',
      '{"janus":"event","session_id":1,"sender":2,"transaction":"a\\"b"}', // an escaped transaction
      '{"janus":"event","session_id":1,"session_id":3,"sender":2}', // twice
      '{"janus":"event","janus":"event","session_id":1,"sender":2}',
      '{"janus":"event","session_id":1,"sender":2', // cut short
      '{"janus":"event","session_id":1,"sender":2,"plugindata":{"a":[1,2}}',
      '{"janus":"event","session_id":1,"sender":2}{"janus":"event","session_id":1,"sender":2}', // two in one frame
      '[{"janus":"event","session_id":1,"sender":2}]',
      '{}',
      '',
      // Keys spelled with escapes: jansson writes none, and parsed they could be any of the keys that matter.
      '{"janus":"event","session_id":1,"sender":2,"jan\\u0075s":"keepalive"}',
      '{"janus":"event","session_id":1,"sender":2,"transactio\\u006e":"jc-1"}',
      '{"janus":"event","session_id":1,"sender":2,"sess\\u0069on_id":99}',
      '{"janus":"event","session_id":1,"sender":2,"js\\u0065p":{"type":"offer","sdp":"v=0"}}',
      '{"janus":"event","session_id":1,"sender":2,"a\\"b":1}',
    ];
    for (const text of declined) assert.equal(RelayedEvent.scan(text), undefined, text);
  });

  it('asks `takes` once, with both ids, before the plugin data; declined when it says no', () => {
    const text = JSON.stringify({ janus: 'event', session_id: 41, transaction: 'jc-1', sender: 42, plugindata: VIDEOROOM });
    const asked: [number, number][] = [];
    assert.equal(RelayedEvent.scan(text, (s, h) => { asked.push([s, h]); return false; }), undefined);
    assert.deepEqual(asked, [[41, 42]]);
    assert.equal(RelayedEvent.scan(text, () => true)?.sender, 42);
    // Ids after the plugin data (not Janus's order) are asked about at the end.
    const late = JSON.stringify({ janus: 'event', plugindata: ECHOTEST, sender: 7, session_id: 6 });
    const lateAsked: [number, number][] = [];
    assert.equal(RelayedEvent.scan(late, (s, h) => { lateAsked.push([s, h]); return true; })?.sessionId, 6);
    assert.deepEqual(lateAsked, [[6, 7]]);
  });

  it('matches the parsed path on fuzzed events, and takes every compact one of the common shape', () => {
    const id = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
    // `__proto__` left out: Object.fromEntries would make it the prototype, not a key (checked by hand: the scan passes it through).
    const key = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((k) => !['janus', 'session_id', 'sender', 'transaction', 'jsep', '__proto__'].includes(k));
    const event = fc.record({
      sessionId: id,
      sender: id,
      // Some need escapes (a quote, a control character): those the scan leaves to the parsed path.
      transaction: fc.option(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 6 })), { nil: undefined }),
      plugindata: fc.jsonValue({ maxDepth: 4 }),
      extra: fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
    });
    fc.assert(fc.property(event, id, id, fc.option(fc.string({ maxLength: 16 }), { nil: undefined }), (e, clientSession, clientHandle, clientTx) => {
      const entries: [string, unknown][] = [['janus', 'event'], ['session_id', e.sessionId], ['sender', e.sender], ['plugindata', e.plugindata], ...Object.entries(e.extra)];
      if (e.transaction !== undefined) entries.push(['transaction', e.transaction]);
      // Any key order: sorted by the fuzzed weights.
      const ordered = entries.map((entry, i) => ({ entry, w: e.order[i % e.order.length] ?? 0 })).sort((a, b) => a.w - b.w).map((x) => x.entry);
      const text = JSON.stringify(Object.fromEntries(ordered));
      // What the scan declines on purpose: a transaction or a key written with escapes.
      const plain = (s: string): boolean => !JSON.stringify(s).includes('\\');
      const usual = (e.transaction === undefined || plain(e.transaction)) && Object.keys(e.extra).every(plain);
      const taken = check(text, clientSession, clientHandle, clientTx);
      assert.equal(taken, usual, `common-shape event not taken: ${text}`);
    }), { numRuns: 5000 });
  });

  it('gives the parsed path\'s message on mutated frames that are still JSON, and declines the rest it can tell', () => {
    // Janus's serialiser only writes valid JSON, and the scan checks structure, not every token: a
    // frame that is not JSON is outside the contract (the parsed path would drop it), so only
    // mutations that leave valid JSON are compared.
    const base = JSON.stringify({ janus: 'event', session_id: 77, transaction: 'jc-9', sender: 88, plugindata: VIDEOROOM });
    const mutation = fc.record({ at: fc.nat({ max: base.length }), cut: fc.nat({ max: 4 }), insert: fc.constantFrom('', ' ', '\n', '"', '\\', ',', ':', '{', '}', '[', ']', '0', 'e', '"jsep":{},', ',"sender":1', ',"session_id":2') });
    let taken = 0;
    let compared = 0;
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
      let text = base;
      for (const m of mutations) text = text.slice(0, m.at) + m.insert + text.slice(m.at + m.cut);
      try {
        JSON.parse(text);
      } catch {
        return;
      }
      compared++;
      if (check(text, 5, 6, 'c')) taken++;
    }), { numRuns: 20000 });
    assert.ok(compared > 1000 && taken > 0, `compared ${String(compared)}, taken ${String(taken)}`);
  });
});
