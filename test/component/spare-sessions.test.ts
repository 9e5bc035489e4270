// Spare backend sessions (backends.spare_sessions): a client's first handle adopts one, its session's
// end gives it back, and only the spares are left on the backend when every client is gone.
import assert from 'node:assert/strict';
import { pollUntil } from '../support/processes.js';
import { componentTest, sessionWithHandle, assertJanusError, FAKE_PLUGIN } from './harness.js';

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

componentTest('an attach on a spare that times out: the late handle is detached from it', withSpares, async ({ client, fakes }) => {
  const fake = fakes[0]!;
  await fake.until('the spares opened', () => fake.sessionIds().length === SPARES);
  const held = fake.fault('attach', { kind: 'hold' });
  const c = await client();
  const session = await c.createSession();
  assertJanusError(await c.request({ janus: 'attach', session_id: session, plugin: FAKE_PLUGIN }), 490, 'Backend request timed out');
  assert.equal((await c.request({ janus: 'destroy', session_id: session })).janus, 'success');
  const attach = await held;
  const since = fake.log.length;
  attach.release();
  const detach = await fake.request((l) => l.request.janus === 'detach', since);
  assert.equal(detach.request.session_id, attach.request.session_id);
});
