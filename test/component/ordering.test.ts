// Orders a real Janus produces only now and then: a slow reply that later requests on the same
// handle must wait for, and a plugin event that overtakes its own ack.
import assert from 'node:assert/strict';
import { componentTest, sessionWithHandle, FAKE_PLUGIN } from './harness.js';

componentTest('a trickle waits for the message before it on its handle, while other handles go on', {}, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const other = await c.attach(session, FAKE_PLUGIN);
  const held = fake.fault('message', { kind: 'hold' }, (r) => r.handle_id !== undefined && (r.body as { request?: unknown }).request === 'offer');
  const offerTx = c.send({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'offer' } });
  const message = await held;
  const trickleTx = c.send({ janus: 'trickle', session_id: session, handle_id: handle, candidate: { completed: true } });
  // A message on another handle is not held up; the proxy sends in arrival order, so had the
  // trickle gone out at once, Janus would have it before this one.
  const { reply } = await c.requestWithEvent({ janus: 'message', session_id: session, handle_id: other, body: { request: 'other' } });
  assert.equal(reply.janus, 'ack');
  assert.ok(!fake.log.some((l) => l.request.janus === 'trickle'), 'the trickle overtook the message it follows');
  message.release();
  const trickle = await fake.request((l) => l.request.janus === 'trickle');
  assert.equal(trickle.request.handle_id, message.request.handle_id);
  await c.waitFor((m) => m.transaction === offerTx && m.janus === 'event', 10_000, 0);
  assert.equal((await c.waitFor((m) => m.transaction === trickleTx, 10_000, 0)).janus, 'ack');
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a plugin event that arrives before its ack still carries the client transaction', {}, async ({ client }) => {
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const since = c.mark();
  const tx = c.send({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'event-first' } });
  const event = await c.waitFor((m) => m.janus === 'event' && m.transaction === tx, 10_000, since);
  const ack = await c.waitFor((m) => m.janus === 'ack' && m.transaction === tx, 10_000, since);
  assert.equal(event.sender, handle);
  assert.ok(c.frames.indexOf(event) < c.frames.indexOf(ack), 'passed on in the order Janus sent them');
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a reply Janus delays is passed on when it comes', {}, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const delayed = fake.fault('hangup', { kind: 'delay', ms: 200 });
  assert.equal((await c.request({ janus: 'hangup', session_id: session, handle_id: handle })).janus, 'success');
  await delayed;
  assert.deepEqual(fake.unanswered(), []);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});
