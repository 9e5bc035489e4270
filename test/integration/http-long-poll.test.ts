// The proxy's long-poll queue and HTTP limits, with short timings so the 30 s hold, the queue bound
// and the body limit can be seen quickly: keepalive after the hold, events in order, oldest events
// dropped past the bound, a poll held across a destroy, CORS with allow_origin, the body size limit.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import type { JanusMessage } from '../support/janus-client.js';
import { JanusHttpClient, bodyOf } from '../support/janus-http-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';

const HOLD_MS = 400;
const MAX_QUEUED = 3;
const MAX_BODY = 2048;
const ORIGIN = 'https://app.example';

/** Sends `n` EchoTest messages and waits until their events must have been queued. */
async function echoMessages(c: JanusHttpClient, at: string, n: number): Promise<string[]> {
  const transactions: string[] = [];
  for (let i = 0; i < n; i++) {
    const transaction = `m${i}`;
    assert.equal((await c.post(at, { janus: 'message', body: { audio: true }, transaction })).janus, 'ack');
    transactions.push(transaction);
  }
  await sleep(300);
  return transactions;
}

describe('HTTP long poll and limits (proxy)', () => {
  let janus: JanusInstance;
  let proxy: TestProxy;
  let c: JanusHttpClient;

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    proxy = await startTestProxy([janus], {
      http_transport: { long_poll_timeout_ms: HOLD_MS, max_queued_events: MAX_QUEUED, max_body_bytes: MAX_BODY, allow_origin: ORIGIN },
    });
    c = new JanusHttpClient(proxy.httpUrl ?? '');
  });
  after(async () => {
    await proxy.stop();
    await janus.stop();
  });

  it('answers a poll with nothing to deliver with a keepalive after the configured hold', async () => {
    const s = await c.create();
    for (const [query, expected] of [[{}, { janus: 'keepalive' }], [{ maxev: 10 }, [{ janus: 'keepalive' }]]] as const) {
      const started = Date.now();
      const body = bodyOf(await c.poll(s, query));
      const heldMs = Date.now() - started;
      assert.deepEqual(body, expected);
      assert.ok(heldMs >= HOLD_MS - 50 && heldMs < HOLD_MS + 1000, `held ${heldMs} ms`);
    }
    await c.post(`/${s}`, { janus: 'destroy' });
  });

  it('delivers events in order, up to maxev per poll, and drops the oldest past max_queued_events', async () => {
    const s = await c.create();
    const at = `/${s}/${await c.attach(s)}`;
    const sent = await echoMessages(c, at, MAX_QUEUED);
    const two = bodyOf(await c.poll(s, { maxev: 2 })) as JanusMessage[];
    const one = bodyOf(await c.poll(s, { maxev: 2 })) as JanusMessage[];
    assert.deepEqual([...two, ...one].map((m) => m.transaction), sent);

    const overflow = await echoMessages(c, at, MAX_QUEUED + 2);
    const kept = bodyOf(await c.poll(s, { maxev: 10 })) as JanusMessage[];
    assert.deepEqual(kept.map((m) => m.transaction), overflow.slice(-MAX_QUEUED), 'the newest events are kept');
    await c.post(`/${s}`, { janus: 'destroy' });
  });

  it('a poll waiting when its session is destroyed runs out its hold; later polls get 404', async () => {
    const s = await c.create();
    const waiting = c.poll(s, { maxev: 10 });
    await sleep(50);
    assert.equal((await c.post(`/${s}`, { janus: 'destroy' })).janus, 'success');
    assert.deepEqual(bodyOf(await waiting), [{ janus: 'keepalive' }]);
    const after = await c.poll(s);
    assert.equal(after.dropped ? 'dropped' : after.status, 404);
  });

  it('sends allow_origin with credentials on every response', async () => {
    const results = [await c.postRaw('', '{"janus":"ping","transaction":"x"}', { Origin: ORIGIN }), await c.get('/1'), await c.get('/info')];
    for (const result of results) {
      assert.ok(!result.dropped);
      assert.equal(result.headers['access-control-allow-origin'], ORIGIN);
      assert.equal(result.headers['access-control-allow-credentials'], 'true');
      assert.equal(result.headers.vary, 'Origin');
    }
  });

  it('lists janus.transport.http among the transports of info', async () => {
    const info = await c.post('', { janus: 'info' });
    const transports = info.transports as Record<string, { name: string }>;
    assert.equal(transports['janus.transport.http']?.name, 'JANUS REST (HTTP/HTTPS) transport plugin');
    assert.ok('janus.transport.websockets' in transports);
  });

  it('answers a body over max_body_bytes with error 454, and cuts off a much larger one', async () => {
    const padding = 'x'.repeat(MAX_BODY);
    const text = JSON.stringify({ janus: 'ping', transaction: 'big', padding });
    const large = await c.postRaw('', text);
    assert.deepEqual(bodyOf(large), { janus: 'error', error: { code: 454, reason: `Request payload too large (${text.length} > ${MAX_BODY} bytes)` } });
    const huge = await c.postRaw('', JSON.stringify({ janus: 'ping', transaction: 'huge', padding: padding.repeat(8) }));
    assert.ok(huge.dropped, 'connection closed');
    assert.equal((await c.post('', { janus: 'ping' })).janus, 'pong', 'the transport still serves');
  });
});
