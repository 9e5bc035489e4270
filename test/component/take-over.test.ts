// Session take-over between two proxies (sharing a real Redis) in front of one fake Janus: what the
// claiming proxy, and the proxy the session moved on to, do when Janus answers (or carries out) the
// first one's `claim` of a backend session only after it gave up.
import assert from 'node:assert/strict';
import { redisCommand, type RedisInstance } from '../support/redis-fixture.js';
import { pollUntil } from '../support/processes.js';
import type { Fault, FakeJanus, FaultHit, LoggedRequest } from '../support/fake-janus.js';
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

/** A `claim` of this backend session in the fake's log. */
function isClaimOf(l: LoggedRequest, backendSession: number): boolean {
  return l.request.janus === 'claim' && l.request.session_id === backendSession;
}

/** Whether the fake's log, from index `since`, holds a `destroy` of this backend session. */
function destroyedSince(fake: FakeJanus, since: number, backendSession: number): boolean {
  return fake.log.slice(since).some((l) => l.request.janus === 'destroy' && l.request.session_id === backendSession);
}

async function released(proxy: TestProxy, session: number): Promise<void> {
  await pollUntil('the session released', () => (proxy.sessions.has(session) ? undefined : true), 10_000, 10);
}

/**
 * A session with one handle on the first proxy, recorded in Redis, Janus holding the next backend
 * `claim` (`hold`: done at once, answered late; `stall`: both late), and a client on the second
 * proxy ready to take the session over.
 */
async function claimHeldSetup({ proxies, fakes, redis, client }: Pick<Harness, 'proxies' | 'fakes' | 'redis' | 'client'>, fault: Fault = { kind: 'hold' }) {
  const [first, second] = [proxies[0]!, proxies[1]!];
  const fake = fakes[0]!;
  const owner = await client(first);
  const { session, handle } = await sessionWithHandle(owner);
  await recorded(redis, session, handle);
  const held = fake.fault('claim', fault);
  const claimer = await client(second);
  return { first, second, fake, session, handle, held, claimer };
}

/**
 * The client, whose take-over by the second proxy waits on Janus (`backendClaim` held), claims its
 * session back on the first proxy, whose claim of the same backend session Janus carries out at once;
 * then Janus gets to the second proxy's claim. Resolves once the first proxy has claimed the backend
 * session again on its own connection, with the client there and the fake's log index before the release.
 */
async function backOnFirstThenLateClaim(
  { first, second, fake, session, client }: { first: TestProxy; second: TestProxy; fake: FakeJanus; session: number; client: Harness['client'] },
  claimed: Promise<string>, backendClaim: FaultHit,
): Promise<{ back: JanusTestClient; since: number; after: number }> {
  const backendSession = backendClaim.request.session_id as number;
  await released(first, session);
  const back = await client(first);
  const since = back.mark();
  assert.equal(await claim(back, session), 'success');
  const firstConn = (await fake.request((l) => isClaimOf(l, backendSession) && l.conn !== backendClaim.conn)).conn;
  await claimed;
  await released(second, session);
  const after = fake.log.length;
  backendClaim.release();
  await fake.request((l) => isClaimOf(l, backendSession) && l.conn === firstConn, after);
  return { back, since, after };
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

componentTest('a late backend claim after the session moved on to another proxy: that proxy keeps the backend session and claims it again', twoProxies, async ({ proxies, fakes, redis, client }) => {
  const { first, second, fake, session, handle, held, claimer } = await claimHeldSetup({ proxies, fakes, redis, client });
  const claimed = claim(claimer, session);
  const backendClaim = await held;
  const backendSession = backendClaim.request.session_id as number;
  // The second proxy, answered late, tells the record's owner (the first again), which claims the
  // backend session again (for Janus a no-op here: its claim came last); had it destroyed it instead,
  // it would not. The handle lives on there.
  const { back, since, after } = await backOnFirstThenLateClaim({ first, second, fake, session, client }, claimed, backendClaim);
  assert.equal(destroyedSince(fake, after, backendSession), false, 'the backend session was not destroyed');
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

componentTest('a backend claim Janus carried out late, after the proxy the session moved on to claimed it: that proxy claims it again, and its client hears the plugin events', twoProxies, async ({ proxies, fakes, redis, client }) => {
  const { first, second, fake, session, handle, held, claimer } = await claimHeldSetup({ proxies, fakes, redis, client }, { kind: 'stall' });
  const claimed = claim(claimer, session);
  const backendClaim = await held;
  const backendSession = backendClaim.request.session_id as number;
  // Janus gets to the second proxy's claim only after the first's: the backend session's events go
  // to the second's connection, until the first hears of it and claims it back on its own.
  const { back, after } = await backOnFirstThenLateClaim({ first, second, fake, session, client }, claimed, backendClaim);
  const { event } = await back.requestWithEvent({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'ping' } });
  assert.equal(event.sender, handle, JSON.stringify(event));
  assert.equal(destroyedSince(fake, after, backendSession), false, 'the backend session was not destroyed');
  assert.equal((await back.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a late backend claim answered before the proxy hears that its session moved on: it reads the owner from the record, so the owner keeps the backend session and claims it again', twoProxies, async ({ proxies, fakes, redis, client }) => {
  const { first, second, fake, session, handle, held, claimer } = await claimHeldSetup({ proxies, fakes, redis, client }, { kind: 'stall' });
  const key = `janus-cloud:session:${String(session)}`;
  const port = redis!.port;
  const firstId = String(await redisCommand(port, ['HGET', key, 'owner']));
  const claimed = claim(claimer, session);
  const backendClaim = await held;
  const backendSession = backendClaim.request.session_id as number;
  // While the second proxy waits for Janus, the session's record goes back to the first proxy as a
  // take-over would move it, but with no word to the second: its move notice has not come (yet).
  assert.notEqual(await redisCommand(port, ['HGET', key, 'owner']), firstId);
  await redisCommand(port, ['HSET', key, 'owner', firstId]);
  await claimed;
  // The client claims its session on the first proxy, which owns the record already (no notice goes
  // out); its claim of the backend session is carried out at once, and the handle lives on there.
  await released(first, session);
  const back = await client(first);
  assert.equal(await claim(back, session), 'success');
  const firstConn = (await fake.request((l) => isClaimOf(l, backendSession) && l.conn !== backendClaim.conn)).conn;
  assert.ok(second.sessions.has(session), 'the second proxy has not heard that the session moved');
  const after = fake.log.length;
  backendClaim.release();
  await fake.request((l) => isClaimOf(l, backendSession) && l.conn === firstConn, after);
  const { event } = await back.requestWithEvent({ janus: 'message', session_id: session, handle_id: handle, body: { request: 'ping' } });
  assert.equal(event.sender, handle, JSON.stringify(event));
  assert.equal(destroyedSince(fake, after, backendSession), false, 'the backend session was not destroyed');
  assert.equal((await back.request({ janus: 'destroy', session_id: session })).janus, 'success');
  // The second proxy's stale copy (its handle already ended) goes with its client's destroy.
  assert.equal((await claimer.request({ janus: 'destroy', session_id: session })).janus, 'success');
});

componentTest('a backend session claimed in a take-over is destroyed when its client is done, never kept as a spare (another proxy\'s late claim could still move or end it)', { proxies: 2, proxy: { backends: { request_timeout_ms: REQUEST_TIMEOUT_MS, spare_sessions: 1 } } }, async ({ proxies, fakes, redis, client }) => {
  const [first, second] = [proxies[0]!, proxies[1]!];
  const fake = fakes[0]!;
  const owner = await client(first);
  const { session, handle } = await sessionWithHandle(owner);
  await recorded(redis, session, handle);
  const claimer = await client(second);
  // The second proxy's spare goes to a session of its own: its spares are short (for a second) when
  // the claimed backend session is released, which it would then keep as a spare.
  const own = await sessionWithHandle(claimer);
  assert.equal(await claim(claimer, session), 'success');
  const backendSession = (await fake.request((l) => l.request.janus === 'claim')).request.session_id as number;
  await released(first, session);
  const after = fake.log.length;
  // Handle detached first: an empty backend session is what a backend takes back as a spare.
  assert.equal((await claimer.request({ janus: 'detach', session_id: session, handle_id: handle })).janus, 'success');
  assert.equal((await claimer.request({ janus: 'destroy', session_id: session })).janus, 'success');
  await fake.request((l) => l.request.janus === 'destroy' && l.request.session_id === backendSession, after);
  assert.equal((await claimer.request({ janus: 'destroy', session_id: own.session })).janus, 'success');
});
