// Spare backend sessions (backends.spare_sessions): a client's first handle adopts one, its session's
// end gives it back, and only the spares are left on the backend when every client is gone.
import assert from 'node:assert/strict';
import { pollUntil } from '../support/processes.js';
import { componentTest, sessionWithHandle, assertJanusError, FAKE_PLUGIN, type Harness } from './harness.js';
import type { FakeJanus } from '../support/fake-janus.js';

const SPARES = 2;
const withSpares = { proxy: { backends: { spare_sessions: SPARES, request_timeout_ms: 1_000 } } };

componentTest('a first handle adopts a spare session; the ended session goes back to the spares or is destroyed', withSpares, async ({ client, fakes, proxy }) => {
  const fake = fakes[0]!;
  await fake.until('the spares opened', () => fake.sessionIds().length === SPARES);
  const spares = fake.sessionIds();
  const c = await client();
  const { session, handle } = await sessionWithHandle(c);
  const spare = fake.log.find((l) => l.request.janus === 'attach')!.request.session_id as number;
  assert.ok(spares.includes(spare), 'the attach went to a spare, with no create of its own');
  assert.equal((await c.request({ janus: 'detach', session_id: session, handle_id: handle })).janus, 'success');
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
  // Emptied, it is a spare again, unless the spares were topped up meanwhile (a second after it
  // was taken): then it is destroyed. Either way the harness then finds exactly SPARES sessions.
  const pool = [...proxy.cluster.backends.values()][0]!.pool;
  await pollUntil('every backend request answered', () => (pool.pendingRequests === 0 ? true : undefined), 10_000, 10);
  const destroyed = fake.log.some((l) => l.request.janus === 'destroy' && l.request.session_id === spare);
  assert.equal(fake.sessionIds().includes(spare), !destroyed);
});

/** A client session whose first attach, on a spare backend session, Janus holds past the proxy's time-out. */
async function attachTimedOutOnSpare(fake: FakeJanus, client: Harness['client']) {
  await fake.until('the spares opened', () => fake.sessionIds().length === SPARES);
  const held = fake.fault('attach', { kind: 'hold' });
  const c = await client();
  const session = await c.createSession();
  assertJanusError(await c.request({ janus: 'attach', session_id: session, plugin: FAKE_PLUGIN }), 490, 'Backend request timed out');
  const attach = await held;
  return { c, session, attach, spare: attach.request.session_id as number };
}

// An attach Janus answers only after the proxy gave up on it may still make a handle there: until
// that answer comes (if ever: after a minute the proxy no longer listens for it), the spare may
// carry a handle nobody knows of, so it is not handed to another client but destroyed.
componentTest('an attach on a spare that times out while its client stays: the late handle is detached, the spare is destroyed at the end', withSpares, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const { c, session, attach, spare } = await attachTimedOutOnSpare(fake, client);
  const since = fake.log.length;
  attach.release();
  const detach = await fake.request((l) => l.request.janus === 'detach', since);
  assert.equal(detach.request.session_id, spare);
  // The client's session goes on using that backend session: its next attach lands there.
  await c.attach(session, FAKE_PLUGIN);
  assert.equal(fake.log.filter((l) => l.request.janus === 'attach').at(-1)!.request.session_id, spare);
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
  await fake.request((l) => l.request.janus === 'destroy' && l.request.session_id === spare, since);
});

componentTest('an attach on a spare that times out, its client gone before the answer: the spare is destroyed, not handed out again', withSpares, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  const { c, session, attach, spare } = await attachTimedOutOnSpare(fake, client);
  assert.equal(fake.handleIds().length, 1, 'Janus made the handle, the proxy does not know it');
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
  await fake.request((l) => l.request.janus === 'destroy' && l.request.session_id === spare);
  // The next client's first handle gets another spare, with no stray handle on it.
  const next = await client();
  const { session: nextSession } = await sessionWithHandle(next);
  const placed = fake.log.filter((l) => l.request.janus === 'attach').at(-1)!.request.session_id as number;
  assert.notEqual(placed, spare);
  assert.equal(fake.handleIds().length, 1, 'only the next client\'s handle');
  // Janus's late answer: whatever the proxy then does must leave nothing behind (the harness checks).
  const since = fake.log.length;
  attach.release();
  await fake.request((l) => l.request.janus === 'detach', since);
  assert.equal((await next.request({ janus: 'destroy', session_id: nextSession })).janus, 'success');
});
