import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { decodeBody, injectPathIds, maxEvents, normalizeBasePath, parseTarget, pathId, randomTransaction } from '../../src/transport/http/request.js';
import { formatJson, formatJsonArray } from '../../src/transport/http/exchange.js';
import { PollQueues } from '../../src/transport/http/poll-queues.js';

describe('HTTP transport: reading requests as janus_http.c does', () => {
  it('splits paths below the base path, ignoring empty components', () => {
    assert.deepEqual(parseTarget('/janus', '/janus'), { kind: 'api', sessionPath: undefined, handlePath: undefined, tooDeep: false });
    assert.deepEqual(parseTarget('/janus/12/34/', '/janus'), { kind: 'api', sessionPath: '12', handlePath: '34', tooDeep: false });
    assert.deepEqual(parseTarget('/janus/12//34', '/janus'), { kind: 'api', sessionPath: '12', handlePath: undefined, tooDeep: false });
    assert.deepEqual(parseTarget('/janus/1/2/3', '/janus'), { kind: 'api', sessionPath: '1', handlePath: '2', tooDeep: true });
    assert.deepEqual(parseTarget('/janusx', '/janus'), { kind: 'outside' });
    assert.deepEqual(parseTarget('/7', '/'), { kind: 'api', sessionPath: '7', handlePath: undefined, tooDeep: false });
    assert.equal(normalizeBasePath('/api/'), '/api');
    assert.equal(normalizeBasePath('/'), '/');
  });

  it('parses ids like strtoull and maxev like atoi', () => {
    assert.equal(pathId('123'), 123);
    assert.equal(pathId('123abc'), 123);
    assert.equal(pathId('abc'), 0);
    assert.equal(pathId(undefined), 0);
    const q = (s: string): number => maxEvents(new URLSearchParams(s));
    assert.deepEqual([q(''), q('maxev=abc'), q('maxev=0'), q('maxev=-2'), q('maxev=2x'), q('maxev=10')], [1, 1, 1, 1, 2, 10]);
    assert.match(randomTransaction(), /^[A-Za-z0-9]{11}$/);
  });

  it('answers bad bodies with Janus error codes and texts', () => {
    const reason = (text: string): unknown => {
      const decoded = decodeBody(text);
      return 'error' in decoded ? decoded.error.error : decoded.payload;
    };
    assert.deepEqual(reason('5'), { code: 454, reason: "JSON error: on line 1: '[' or '{' expected near '5'" });
    assert.deepEqual(reason(' \n '), { code: 454, reason: "JSON error: on line 2: '[' or '{' expected near end of file" });
    assert.deepEqual(reason('[]'), { code: 455, reason: 'JSON error: not an object' });
    assert.deepEqual(reason('{"a":'), { code: 454, reason: 'JSON error: on line 1: unexpected token near end of file' });
    assert.deepEqual(reason('{"a":1,\n"x": }'), { code: 454, reason: "JSON error: on line 2: unexpected token near '}'" });
    assert.deepEqual(reason(`${'['.repeat(3000)}${']'.repeat(3000)}`), { code: 454, reason: 'JSON error: on line 1: maximum parsing depth reached' });
    assert.deepEqual(reason('{"janus":"ping"}'), { janus: 'ping' });
  });

  it('injects path ids unless the body has a different integer one', () => {
    const body: Record<string, unknown> = { session_id: 'x', handle_id: null };
    assert.equal(injectPathIds(body, '5', '6'), undefined);
    assert.deepEqual(body, { session_id: 5, handle_id: 6 });
    assert.deepEqual(injectPathIds({ session_id: 4 }, '5', undefined)?.error, { code: 457, reason: 'Conflicting session ID (payload and path)' });
    assert.deepEqual(injectPathIds({ handle_id: 4 }, '5', '6')?.error, { code: 457, reason: 'Conflicting handle ID (payload and path)' });
    assert.deepEqual(injectPathIds({ session_id: 4 }, 'abc', undefined)?.error, { code: 457, reason: 'Conflicting session ID (payload and path)' });
    const root: Record<string, unknown> = { session_id: 4 };
    assert.equal(injectPathIds(root, undefined, undefined), undefined);
    assert.deepEqual(root, { session_id: 4 });
  });

  it('lays out arrays of serialised events exactly like JSON.stringify', () => {
    const events = [{ janus: 'event', plugindata: { data: { a: [1, 2] } } }, { janus: 'keepalive' }];
    for (const format of ['indented', 'plain', 'compact'] as const) {
      assert.equal(formatJsonArray(events.map((e) => formatJson(e, format)), format), formatJson(events, format));
    }
  });
});

describe('HTTP transport: long-poll queues', () => {
  const options = { maxQueuedEvents: 2, holdMs: 50, json: 'compact' as const, logger: pino({ level: 'silent' }) };

  it('keeps the newest events, answers waiting polls at once, and forgets the queue on release', () => {
    const queues = new PollQueues(options);
    const queue = queues.open(1);
    for (const n of [1, 2, 3]) queue.send({ janus: 'event', n });
    const answers: string[] = [];
    queue.poll(5, (body) => answers.push(body));
    assert.deepEqual(answers, ['[{"janus":"event","n":2},{"janus":"event","n":3}]']);
    queue.poll(1, (body) => answers.push(body));
    queue.poll(3, (body) => answers.push(body));
    queue.send({ janus: 'event', n: 4 });
    assert.deepEqual(answers.slice(1), ['{"janus":"event","n":4}', '[{"janus":"keepalive"}]']);
    queue.release();
    assert.equal(queues.get(1), undefined);
    assert.equal(queue.open, false);
  });

  it('answers an idle poll with a keepalive after the hold, and a reopened session gets a fresh queue', async () => {
    const queues = new PollQueues(options);
    const first = queues.open(7);
    first.send({ janus: 'event', n: 1 });
    const second = queues.open(7);
    assert.equal(first.open, false);
    const body = await new Promise<string>((resolve) => { second.poll(1, resolve); });
    assert.equal(body, '{"janus":"keepalive"}', 'the event queued before the claim is gone');
  });
});
