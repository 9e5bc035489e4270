// Clients that leave (close their socket, or destroy their session) while a request of theirs is
// still with the backend: whatever Janus answers later must not bring anything back to life.
import assert from 'node:assert/strict';
import { componentTest, sessionWithHandle, FAKE_PLUGIN, type Harness } from './harness.js';

/** Waits until the proxy holds no client session (the closed socket's sessions were destroyed). */
async function proxyEmpty(h: Harness): Promise<void> {
  const fake = h.fakes[0]!;
  // The proxy destroys the client's backend session as it drops the client session: wait for that.
  await fake.until('the backend session destroyed', () => fake.log.some((l) => l.request.janus === 'destroy'));
  assert.equal(h.proxy.sessions.size, 0);
}

componentTest('the client disconnects while its attach is with the backend', {}, async (h) => {
  const fake = h.fakes[0]!;
  const held = fake.fault('attach', { kind: 'hold' });
  const c = await h.client();
  const session = await c.createSession();
  c.send({ janus: 'attach', session_id: session, plugin: FAKE_PLUGIN });
  const attach = await held;
  await c.close();
  await proxyEmpty(h);
  attach.release();
  // The destroy followed the attach on the socket: Janus took the handle down with the session.
  await fake.until('Janus empty', () => fake.sessionIds().length === 0);
});

componentTest('the client disconnects while its attach is with the first of two backends: no session is opened on the second', {
  fakes: [{}, {}],
}, async (h) => {
  const [first, second] = [h.fakes[0]!, h.fakes[1]!];
  const held = first.fault('attach', { kind: 'hold' });
  const c = await h.client();
  const session = await c.createSession();
  c.send({ janus: 'attach', session_id: session, plugin: FAKE_PLUGIN });
  const attach = await held;
  await c.close();
  await proxyEmpty(h);
  attach.release();
  // The late attach fails on the first backend's dead session; that is no reason to try the second.
  await first.until('the first backend empty', () => first.sessionIds().length === 0);
  assert.deepEqual(second.log.map((l) => l.request.janus), ['info']);
});

componentTest('the client destroys its session while its attach is with the backend', { fakes: [{}, {}] }, async (h) => {
  const [first, second] = [h.fakes[0]!, h.fakes[1]!];
  const held = first.fault('attach', { kind: 'hold' });
  const c = await h.client();
  const session = await c.createSession();
  const attachTx = c.send({ janus: 'attach', session_id: session, plugin: FAKE_PLUGIN });
  const attach = await held;
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
  const since = c.mark();
  attach.release();
  const reply = await c.waitFor((m) => m.transaction === attachTx, 10_000, 0);
  assert.equal(reply.janus, 'error', JSON.stringify(reply));
  assert.ok(c.frames.slice(since).every((m) => m.janus !== 'success'));
  assert.deepEqual(second.log.map((l) => l.request.janus), ['info']);
});

componentTest('the client disconnects while its message is with the backend', {}, async (h) => {
  const fake = h.fakes[0]!;
  const c = await h.client();
  const { session, handle } = await sessionWithHandle(c);
  const held = fake.fault('message', { kind: 'hold' });
  c.send({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'slow' } });
  const message = await held;
  await c.close();
  await proxyEmpty(h);
  // Janus answers (ack, then the plugin's event) after the proxy dropped the session.
  message.release();
  await fake.until('Janus empty', () => fake.sessionIds().length === 0);
});

componentTest('the client disconnects while its detach is with the backend', {}, async (h) => {
  const fake = h.fakes[0]!;
  const c = await h.client();
  const { session, handle } = await sessionWithHandle(c);
  const held = fake.fault('detach', { kind: 'hold' });
  c.send({ janus: 'detach', session_id: session, handle_id: handle });
  const detach = await held;
  await c.close();
  await proxyEmpty(h);
  detach.release();
});
