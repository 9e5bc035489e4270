// Session take-over between two proxies (sharing a real Redis) in front of one fake Janus: what the
// claiming proxy does when Janus answers its `claim` of a backend session only after it gave up.
import assert from 'node:assert/strict';
import { redisCommand, type RedisInstance } from '../support/redis-fixture.js';
import { pollUntil } from '../support/processes.js';
import type { TestProxy } from '../support/proxy-fixture.js';
import type { JanusTestClient } from '../support/janus-client.js';
import { componentTest, sessionWithHandle, type Harness } from './harness.js';

const REQUEST_TIMEOUT_MS = 1_000;
const twoProxies = { proxies: 2, proxy: { backends: { request_timeout_ms: REQUEST_TIMEOUT_MS } } };

/** Resolves once the handle's record is in Redis (records are written without the client waiting). */
async function recorded(redis: RedisInstance | undefined, session: number, handle: number): Promise<void> {
  const port = redis!.port;
  await pollUntil('the handle recorded', async () => (Number(await redisCommand(port, ['HEXISTS', `janus-cloud:session:${String(session)}`, `h:${String(handle)}`])) === 1 ? true : undefined), 10_000, 20);
}

/** Claims `session` through `client` (a take-over when another proxy holds it); resolves with the reply kind. */
async function claim(client: JanusTestClient, session: number): Promise<string> {
  return (await client.request({ janus: 'claim', session_id: session }, { timeoutMs: 15_000 })).janus;
}

async function released(proxy: TestProxy, session: number): Promise<void> {
  await pollUntil('the session released', () => (proxy.sessions.has(session) ? undefined : true), 10_000, 10);
}

/**
 * A session with one handle on the first proxy, recorded in Redis, Janus holding every backend
 * `claim` from now on, and a client on the second proxy ready to take the session over.
 */
async function claimHeldSetup({ proxies, fakes, redis, client }: Pick<Harness, 'proxies' | 'fakes' | 'redis' | 'client'>) {
  const [first, second] = [proxies[0]!, proxies[1]!];
  const fake = fakes[0]!;
  const owner = await client(first);
  const { session, handle } = await sessionWithHandle(owner);
  await recorded(redis, session, handle);
  const held = fake.fault('claim', { kind: 'hold' });
  const claimer = await client(second);
  return { first, second, fake, session, handle, held, claimer };
}

componentTest('a take-over whose backend claim Janus answers late: the handle ends for the client, and the late-claimed backend session is destroyed', twoProxies, async ({ proxies, fakes, redis, client }) => {
  const { fake, session, handle, held, claimer } = await claimHeldSetup({ proxies, fakes, redis, client });
  const since = claimer.mark();
  assert.equal(await claim(claimer, session), 'success');
  // The backend session could not be claimed in time: its handle ends, as a lost backend ends it.
  await claimer.waitFor((m) => m.janus === 'detached' && m.sender === handle, 10_000, since);
  const backendClaim = await held;
  const backendSession = backendClaim.request.session_id as number;
  const after = fake.log.length;
  backendClaim.release();
  // Janus moved the backend session to the second proxy all the same; nothing there will use it.
  await fake.request((l) => l.request.janus === 'destroy' && l.request.session_id === backendSession, after);
  await fake.until('the backend session gone', () => !fake.sessionIds().includes(backendSession));
  assert.equal((await claimer.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a late backend claim after the session moved on to another proxy: that proxy keeps the backend session', twoProxies, async ({ proxies, fakes, redis, client }) => {
  const { first, second, fake, session, handle, held, claimer } = await claimHeldSetup({ proxies, fakes, redis, client });
  const claimed = claim(claimer, session);
  const backendClaim = await held;
  const backendSession = backendClaim.request.session_id as number;
  // While the second proxy waits for Janus, the client claims its session back on the first, whose
  // claim of the same backend session Janus answers at once: the handle lives on there.
  await released(first, session);
  const back = await client(first);
  const since = back.mark();
  assert.equal(await claim(back, session), 'success');
  await claimed;
  await released(second, session);
  const after = fake.log.length;
  backendClaim.release();
  // A round trip on the second proxy's backend connection, after the late answer: had the second
  // proxy sent a destroy for it, Janus would have it before this session's requests.
  const other = await client(second);
  const { session: otherSession } = await sessionWithHandle(other);
  assert.equal((await other.request({ janus: 'destroy', session_id: otherSession })).janus, 'success');
  assert.equal(fake.log.slice(after).some((l) => l.request.janus === 'destroy' && l.request.session_id === backendSession), false, 'the backend session was not destroyed');
  const sync = await back.request({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'sync' } });
  assert.equal(sync.janus, 'success', JSON.stringify(sync));
  assert.equal(back.frames.slice(since).some((m) => m.janus === 'detached'), false, 'the handle was never lost on the first proxy');
  assert.equal((await back.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a late backend claim after the client destroyed the session it took over: the backend session is destroyed', twoProxies, async ({ proxies, fakes, redis, client }) => {
  const { fake, session, held, claimer } = await claimHeldSetup({ proxies, fakes, redis, client });
  assert.equal(await claim(claimer, session), 'success');
  assert.equal((await claimer.request({ janus: 'destroy', session_id: session })).janus, 'success');
  const backendClaim = await held;
  const after = fake.log.length;
  backendClaim.release();
  await fake.request((l) => l.request.janus === 'destroy' && l.request.session_id === backendClaim.request.session_id, after);
});
