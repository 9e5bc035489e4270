// A relayed handle's whole life against a fake Janus: what reaches the backend, what the client
// gets back, and that nothing is left anywhere once the client is gone.
import assert from 'node:assert/strict';
import { componentTest, sessionWithHandle, assertJanusError, FAKE_PLUGIN } from './harness.js';
import { JanusHttpClient } from '../support/janus-http-client.js';
import type { JanusMessage, JanusTestClient } from '../support/janus-client.js';
import { countingRewrites } from '../support/relayed-spy.js';

/** The raw text of the first event frame `client` received for `transaction`. */
function rawEvent(client: JanusTestClient, transaction: unknown): string {
  const raw = client.rawFrames.find((f) => f.includes('"event"') && (JSON.parse(f) as { transaction?: unknown }).transaction === transaction);
  assert.ok(raw, 'the event frame');
  return raw;
}

componentTest('every core verb of a relayed handle reaches the backend, and the backend is left empty', {}, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);

  const { reply, event } = await c.requestWithEvent({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'async' } });
  assert.equal(reply.janus, 'ack');
  assert.equal(event.sender, handle);
  assert.deepEqual(event.plugindata, { plugin: FAKE_PLUGIN, data: { result: 'ok', echo: { request: 'async' } } });

  const sync = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'sync' } });
  assert.equal(sync.janus, 'success');
  assert.equal(sync.sender, handle);

  assert.equal((await c.request({ janus: 'trickle', session_id: session, handle_id: handle, candidate: { completed: true } })).janus, 'ack');
  assert.equal((await c.request({ janus: 'hangup', session_id: session, handle_id: handle })).janus, 'success');
  assert.equal((await c.request({ janus: 'keepalive', session_id: session })).janus, 'ack');
  assert.equal((await c.request({ janus: 'detach', session_id: session, handle_id: handle })).janus, 'success');
  assertJanusError(await c.request({ janus: 'message', session_id: session, handle_id: handle, body: {} }), 459);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');

  await fake.until('destroy', () => fake.log.some((l) => l.request.janus === 'destroy'));
  const verbs = fake.log.map((l) => l.request.janus).filter((v) => v !== 'info');
  assert.deepEqual(verbs, ['create', 'attach', 'message', 'message', 'trickle', 'hangup', 'detach', 'destroy']);
  // The proxy picks its backend session id itself (create with `id`), so attach follows at once.
  assert.equal(typeof fake.log.find((l) => l.request.janus === 'create')?.request.id, 'number');
});

componentTest('a Janus error on attach reaches the client with its code and is not retried elsewhere', { fakes: [{}, {}] }, async ({ client, fakes }) => {
  const [first, second] = [fakes[0]!, fakes[1]!];
  const failed = first.fault('attach', { kind: 'fail', code: 461, reason: "Couldn't attach to plugin: error '-1'" });
  const c = await client();
  const session = await c.createSession();
  assertJanusError(await c.request({ janus: 'attach', session_id: session, plugin: FAKE_PLUGIN }), 461, "Couldn't attach to plugin: error '-1'");
  await failed;
  assert.equal(second.log.filter((l) => l.request.janus === 'attach').length, 0, 'a request error is no backend failure');
  // The next attach is placed as usual and works.
  await c.attach(session, FAKE_PLUGIN);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a plugin the backends do not offer is refused with 460 and touches no backend', {}, async ({ client, fakes }) => {
  const c = await client();
  const session = await c.createSession();
  assertJanusError(await c.request({ janus: 'attach', session_id: session, plugin: 'janus.plugin.nosuch' }), 460);
  assert.deepEqual(fakes[0]!.log.map((l) => l.request.janus), ['info']);
});

componentTest('a backend that refuses the proxy\'s create: the handle is placed on the other backend, the client never sees that error', { fakes: [{}, {}] }, async ({ client, fakes }) => {
  const [first, second] = [fakes[0]!, fakes[1]!];
  const refused = first.fault('create', { kind: 'fail', code: 468, reason: 'Session ID already in use' });
  const c = await client();
  const { session } = await sessionWithHandle(c);
  await refused;
  assert.equal(second.handleIds().length, 1);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('the only backend refuses the proxy\'s create: the client gets 490, and its next attach works', {}, async ({ client, fakes }) => {
  fakes[0]!.fault('create', { kind: 'fail', code: 403, reason: 'Unauthorized request (wrong or missing secret/token)' });
  const c = await client();
  const session = await c.createSession();
  assertJanusError(await c.request({ janus: 'attach', session_id: session, plugin: FAKE_PLUGIN }), 490);
  await c.attach(session, FAKE_PLUGIN);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

// Plugin events of a relayed handle skip JSON.parse/stringify (RelayedEvent): the client must get
// what the parsed path gives, in the JSON layout its transport is configured for.
componentTest('a relayed event reaches a WebSocket client in compact JSON with the client\'s ids and transaction', {}, async ({ client }) => {
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  let relayed: { reply: JanusMessage; event: JanusMessage } | undefined;
  assert.equal(await countingRewrites(async () => {
    relayed = await c.requestWithEvent({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'async', text: 'Zoë "q" \\ ✓' } });
  }), 1, 'the event took the unparsed path');
  const { reply, event } = relayed!;
  assert.equal(event.session_id, session);
  assert.equal(event.sender, handle);
  assert.equal(event.transaction, reply.transaction);
  assert.deepEqual(event.plugindata, { plugin: FAKE_PLUGIN, data: { result: 'ok', echo: { request: 'async', text: 'Zoë "q" \\ ✓' } } });
  // Janus's key order, compact, nothing else added or lost.
  assert.equal(rawEvent(c, reply.transaction), JSON.stringify({ janus: 'event', session_id: session, transaction: reply.transaction, sender: handle, plugindata: event.plugindata }));
  // An event that comes before its ack (Janus's threads race) takes the same way.
  const since = c.mark();
  const early = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'event-first' } });
  assert.equal(early.janus, 'ack');
  const earlyEvent = await c.waitFor((m) => m.janus === 'event' && m.transaction === early.transaction, 10_000, since);
  assert.equal(earlyEvent.session_id, session);
  assert.equal(earlyEvent.sender, handle);
  assert.ok(c.frames.indexOf(earlyEvent) < c.frames.indexOf(early), 'the client got the event first, as Janus sent it');
});

componentTest('a relayed event reaches a WebSocket client in indented JSON when the transport is set so', { proxy: { ws_transport: { json: 'indented' } } }, async ({ client }) => {
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const { reply, event } = await c.requestWithEvent({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'async' } });
  assert.equal(event.session_id, session);
  assert.equal(event.sender, handle);
  assert.equal(event.transaction, reply.transaction);
  assert.equal(rawEvent(c, reply.transaction), JSON.stringify(event, null, 4));
});

componentTest('a relayed event reaches an HTTP long poll with the client\'s ids and transaction', {}, async ({ proxy }) => {
  const http = new JanusHttpClient(proxy.httpUrl ?? '');
  const session = await http.create();
  const handle = await http.attach(session, FAKE_PLUGIN);
  http.startPolling(session);
  try {
    const { reply, event } = await http.requestWithEvent(`/${String(session)}/${String(handle)}`, { janus: 'message', body: { request: 'async' } });
    assert.equal(reply.janus, 'ack');
    assert.equal(event.transaction, reply.transaction);
    assert.equal(event.session_id, session);
    assert.equal(event.sender, handle);
    assert.deepEqual(event.plugindata, { plugin: FAKE_PLUGIN, data: { result: 'ok', echo: { request: 'async' } } });
  } finally {
    await http.stopPolling();
    await http.post(`/${String(session)}`, { janus: 'destroy' });
  }
});

// A plugin message without jsep goes to Janus as a frame written around its serialised body
// (messageFrame), its ack back to a WebSocket client as a frame written directly (ackJson).
componentTest('a relayed message reaches Janus as a compact frame with the backend ids, and its ack and event come back', {}, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const since = c.mark();
  c.sendRaw(`{"janus":"message","session_id":${String(session)},"handle_id":${String(handle)},"transaction":"tx \\"q\\"","body":{"request":"async","bitrate":128000}}`);
  const ack = await c.waitFor((m) => m.transaction === 'tx "q"' && m.janus === 'ack', 10_000, since);
  const event = await c.waitFor((m) => m.transaction === 'tx "q"' && m.janus === 'event', 10_000, since);
  assert.equal(event.sender, handle);
  assert.equal(c.rawFrames.find((f) => f.includes('"ack"') && f.includes('tx \\"q\\"')), JSON.stringify({ janus: 'ack', session_id: session, transaction: 'tx "q"' }));
  assert.equal(ack.session_id, session);
  const logged = fake.log.filter((l) => l.request.janus === 'message').at(-1)!;
  const { session_id: backendSession, handle_id: backendHandle, transaction } = logged.request;
  assert.notEqual(backendSession, session, 'the backend session id, not the client\'s');
  assert.equal(logged.raw, JSON.stringify({ janus: 'message', session_id: backendSession, transaction, handle_id: backendHandle, body: { request: 'async', bitrate: 128000 } }));
});

componentTest('unusual messages to a relayed handle get Janus\'s answers, and messages sent back to back keep their order', {}, async ({ client }) => {
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const at = `"session_id":${String(session)},"handle_id":${String(handle)}`;
  // Not JSON inside the body: the whole frame is Janus's 454.
  const before = c.mark();
  c.sendRaw(`{"janus":"message",${at},"transaction":"bad-1","body":{"a":tru}}`);
  const bad = await c.waitFor((m) => m.janus === 'error', 10_000, before);
  assert.equal((bad.error as { code: number }).code, 454);
  // A body that is no object: 467; no body: 456; an unknown handle: 459.
  assertJanusError(await c.request({ janus: 'message', session_id: session, handle_id: handle, body: [1] }), 467);
  assertJanusError(await c.request({ janus: 'message', session_id: session, handle_id: handle }), 456);
  assertJanusError(await c.request({ janus: 'message', session_id: session, handle_id: handle + 1, body: {} }), 459);
  // With a jsep, the message object is serialised whole: its answer as usual.
  const { reply } = await c.requestWithEvent({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'async' }, jsep: { type: 'offer', sdp: 'v=0' } });
  assert.equal(reply.janus, 'ack');
  const since = c.mark();
  const transactions = ['o-1', 'o-2', 'o-3'];
  for (const transaction of transactions) c.sendRaw(`{"janus":"message",${at},"transaction":"${transaction}","body":{"request":"async"}}`);
  const acks = await Promise.all(transactions.map((t) => c.waitFor((m) => m.transaction === t && m.janus === 'ack', 10_000, since)));
  assert.deepEqual(acks.map((a) => c.frames.indexOf(a)).sort((x, y) => x - y), acks.map((a) => c.frames.indexOf(a)), 'acks in sending order');
});
