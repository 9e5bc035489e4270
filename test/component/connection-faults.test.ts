// Backend connections that close under a request or blip, and backend sessions claimed back
// afterwards: the client gets its error or its `detached`, and nothing is left anywhere.
import assert from 'node:assert/strict';
import { componentTest, sessionWithHandle, assertJanusError, FAKE_PLUGIN } from './harness.js';
import type { JanusTestClient } from '../support/janus-client.js';

const LOST = 'Backend connection lost';

function detachedEvent(c: JanusTestClient, handle: number, since: number): Promise<unknown> {
  return c.waitFor((m) => m.janus === 'detached' && m.sender === handle, 10_000, since);
}

componentTest('the backend connection closes under a message: client gets 490 and its handle detached', {}, async ({ client, fakes, proxy }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  fake.fault('message', { kind: 'close' });
  const since = c.mark();
  assertJanusError(await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'x' } }), 490, LOST);
  await detachedEvent(c, handle, since);
  assertJanusError(await c.request({ janus: 'message', session_id: session, handle_id: handle, body: {} }), 459);
  // The pool reconnects; the same client session attaches again on a fresh backend session.
  assert.ok(await proxy.cluster.waitConnected(10_000));
  await c.attach(session, FAKE_PLUGIN);
  assert.equal(fake.sessionIds().length, 1);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('the connection closes under an attach: the attach is placed on the other backend', { fakes: [{}, {}] }, async ({ client, fakes }) => {
  const [first, second] = [fakes[0]!, fakes[1]!];
  const closed = first.fault('attach', { kind: 'close' });
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  await closed;
  assert.equal(second.handleIds().length, 1);
  const { event } = await c.requestWithEvent({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'x' } });
  assert.equal(event.sender, handle);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a connection blip within the reclaim window: the backend session is claimed on the new connection and kept alive there', {
  fakes: [{ reclaimSessionTimeoutS: 30, sessionTimeoutS: 15 }],
}, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const backendSession = fake.sessionIds()[0];
  fake.closeConnections();
  const claim = await fake.request((l) => l.request.janus === 'claim');
  assert.equal(claim.request.session_id, backendSession);
  assert.equal(claim.conn, 2, 'claimed on the new connection');
  // Messages and their events flow over the new connection.
  const { event } = await c.requestWithEvent({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'after blip' } });
  assert.equal(event.sender, handle);
  // Keepalives (every session-timeout/3, here 5 s) go to the new connection too.
  const keepalive = await fake.request((l) => l.request.janus === 'keepalive', 0, 15_000);
  assert.equal(keepalive.conn, 2);
  assert.equal(keepalive.request.session_id, backendSession);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a blip after which Janus no longer has the session: claim gets 458, the client handle is detached', {
  fakes: [{ reclaimSessionTimeoutS: 30 }],
}, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const since = c.mark();
  fake.closeConnections({ loseSessions: true });
  await detachedEvent(c, handle, since);
  assert.ok(fake.log.some((l) => l.request.janus === 'claim'));
  assertJanusError(await c.request({ janus: 'hangup', session_id: session, handle_id: handle }), 459);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a claim answered after the timeout: the proxy gave the session up, so Janus is told to destroy it', {
  fakes: [{ reclaimSessionTimeoutS: 30 }],
  proxy: { backends: { request_timeout_ms: 1_000 } },
}, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const held = fake.fault('claim', { kind: 'hold' });
  const since = c.mark();
  fake.closeConnections();
  const claim = await held;
  await detachedEvent(c, handle, since);
  const after = fake.log.length;
  claim.release();
  await fake.request((l) => l.request.janus === 'destroy' && l.request.session_id === claim.request.session_id, after);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('Janus lost the session and answers the keepalive with 458: the backend session is dropped and the client handle detached', {
  fakes: [{ sessionTimeoutS: 15 }],
}, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const since = c.mark();
  fake.forgetSessions();
  const keepalive = await fake.request((l) => l.request.janus === 'keepalive', 0, 15_000);
  assert.ok(keepalive);
  await detachedEvent(c, handle, since);
  assertJanusError(await c.request({ janus: 'message', session_id: session, handle_id: handle, body: {} }), 459);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('Janus lost the session and answers an attach with 458: the client, whose session exists, gets no 458', {}, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const since = c.mark();
  fake.forgetSessions();
  // The only backend failed this attach; the proxy dropped the dead backend session (and told the
  // client its handle there is gone), so the next attach opens a fresh one.
  assertJanusError(await c.request({ janus: 'attach', session_id: session, plugin: FAKE_PLUGIN }), 490, LOST);
  await detachedEvent(c, handle, since);
  await c.attach(session, FAKE_PLUGIN);
  assert.equal(fake.sessionIds().length, 1);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('Janus lost the session and answers an attach with 458: with two backends the handle goes to the other', { fakes: [{}, {}] }, async ({ client, fakes }) => {
  const [first, second] = [fakes[0]!, fakes[1]!];
  const c = await client();
  const { session } = await sessionWithHandle(c);
  assert.equal(first.handleIds().length, 1);
  first.forgetSessions();
  await c.attach(session, FAKE_PLUGIN);
  assert.equal(second.handleIds().length, 1);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('Janus lost the session and answers a message with 458: the client gets its own handle error', {}, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  fake.forgetSessions();
  const reply = await c.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'x' } });
  try {
    // Not Janus's 458 naming the backend session: the proxy's own "backend lost" (490) for this request.
    assert.deepEqual(reply.error, { code: 490, reason: 'Backend connection lost' }, JSON.stringify(reply));
  } finally {
    await c.request({ janus: 'destroy', session_id: session });
  }
});
