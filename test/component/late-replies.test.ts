// A timeout does not undo backend work: replies that reach the proxy after it gave up on a request
// must have what they created cleaned up, and the client must get its Janus error meanwhile.
import assert from 'node:assert/strict';
import { componentTest, sessionWithHandle, assertJanusError, FAKE_PLUGIN } from './harness.js';

/** Short enough to wait out, long enough that a loopback reply on a busy machine is never late by accident. */
const REQUEST_TIMEOUT_MS = 1_000;
const withTimeout = { proxy: { backends: { request_timeout_ms: REQUEST_TIMEOUT_MS } } };
const TIMED_OUT = 'Backend request timed out';

componentTest('an attach answered after the timeout: client gets 490, the orphan handle is detached', withTimeout, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const held = fake.fault('attach', { kind: 'hold' });
  const c = await client();
  const session = await c.createSession();
  assertJanusError(await c.request({ janus: 'attach', session_id: session, plugin: FAKE_PLUGIN }), 490, TIMED_OUT);
  const attach = await held;
  assert.equal(fake.handleIds().length, 1, 'Janus made the handle nonetheless');
  const since = fake.log.length;
  attach.release();
  const detach = await fake.request((l) => l.request.janus === 'detach', since);
  assert.equal(detach.request.session_id, attach.request.session_id);
  await fake.until('the orphan handle gone', () => fake.handleIds().length === 0);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a create answered after the timeout: the session is destroyed and its attach detached', withTimeout, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const held = fake.fault('create', { kind: 'hold' });
  const c = await client();
  const session = await c.createSession();
  // The attach follows the create on the socket and is answered at once; the proxy waits for the create.
  assertJanusError(await c.request({ janus: 'attach', session_id: session, plugin: FAKE_PLUGIN }), 490, TIMED_OUT);
  const create = await held;
  await fake.request((l) => l.request.janus === 'detach');
  const since = fake.log.length;
  create.release();
  const destroy = await fake.request((l) => l.request.janus === 'destroy', since);
  assert.equal(destroy.request.session_id, create.request.id);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('an attach that times out on one backend is placed on the next; the late handle is detached', { ...withTimeout, fakes: [{}, {}] }, async ({ client, fakes }) => {
  const [first, second] = [fakes[0]!, fakes[1]!];
  const held = first.fault('attach', { kind: 'hold' });
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  assert.equal(second.handleIds().length, 1, 'the handle lives on the second backend');
  const { reply, event } = await c.requestWithEvent({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'ping' } });
  assert.equal(reply.janus, 'ack');
  assert.equal(event.sender, handle);
  const since = first.log.length;
  (await held).release();
  await first.request((l) => l.request.janus === 'detach', since);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a message answered after the timeout: client gets 490, the handle stays usable', withTimeout, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const held = fake.fault('message', { kind: 'hold' });
  assertJanusError(await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'slow' } }), 490, TIMED_OUT);
  // The plugin's event still comes: the client sees it, without the transaction it already had its
  // answer for, as an asynchronous plugin event (janus.js hands it to onmessage): it is the plugin's
  // real state, as Janus itself would deliver it (src/backend/backend-session.ts, onBackendMessage).
  const since = c.mark();
  (await held).release();
  const late = await c.waitFor((m) => m.janus === 'event', 10_000, since);
  assert.equal(late.transaction, undefined);
  assert.equal(late.sender, handle);
  const sync = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'sync' } });
  assert.equal(sync.janus, 'success');
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a message whose late event comes before its late ack: the event is passed on once, the ack is not', withTimeout, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const held = fake.fault('message', { kind: 'hold' });
  assertJanusError(await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'event-first' } }), 490, TIMED_OUT);
  const since = c.mark();
  (await held).release();
  const next = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'sync' } });
  assert.equal(next.janus, 'success');
  const late = c.frames.slice(since).filter((m) => m !== next);
  assert.deepEqual(late.map((m) => [m.janus, m.sender, m.transaction]), [['event', handle, undefined]]);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a detach Janus never answers: the client still gets its success, and nothing waits on', withTimeout, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const dropped = fake.fault('detach', { kind: 'drop' });
  assert.equal((await c.request({ janus: 'detach', session_id: session, handle_id: handle })).janus, 'success');
  await dropped;
  assert.equal(fake.unanswered().length, 1);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a sync plugin request answered after the timeout: the client gets 490 and nothing more', withTimeout, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const held = fake.fault('message', { kind: 'hold' });
  assertJanusError(await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'sync' } }), 490, TIMED_OUT);
  const since = c.mark();
  (await held).release();
  // The next request's answer comes after the late one on the backend connection and to the client.
  const next = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'sync' } });
  assert.equal(next.janus, 'success');
  const extra = c.frames.slice(since).filter((m) => m !== next && m.transaction !== next.transaction);
  assert.deepEqual(extra, [], 'a late answer to a request already answered (490) is not passed on');
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});
