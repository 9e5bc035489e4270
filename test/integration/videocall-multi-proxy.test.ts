// Two proxies sharing a real Redis (store: redis), in front of the same two real Janus hosts: the
// caller's WebSocket on proxy A (in this process), the callee's on proxy B (its own process). The
// username registry is shared, a call reaches the other proxy over Redis pub/sub, and media flows
// (VideoCall through the call's backend, P2P Call between the peers). When proxy B is killed
// outright, its users vanish from `list` within the lease TTL, and a p2p call with one of them ends.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { countHandles } from '../support/cluster-helpers.js';
import { pollUntil } from '../support/processes.js';
import { PEER_WATCH_INTERVAL_MS } from '../../src/plugins/p2pcall/p2pcall-handle.js';
import { connectCallUser, dataOf, resultOf, type CallUser } from '../support/call-client.js';
import { CallUsers, closeCall, expectMediaBothWays, p2pCall, videoCall, type Call } from '../support/call-flows.js';

const VIDEOCALL = 'janus.plugin.videocall';
const P2PCALL = 'janus.plugin.p2pcall';
const PROXY_TTL_S = 2;

async function listed(user: CallUser): Promise<string[]> {
  const { event } = await user.send({ request: 'list' });
  return (resultOf(event).list as string[]).slice().sort();
}

describe('videocall and p2pcall across two proxies sharing Redis', () => {
  let redis: RedisInstance;
  let janus: JanusInstance[] = [];
  let proxyA: TestProxy;
  let proxyB: ProxyProcess;
  const users = new CallUsers();
  const calls: Call[] = [];

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(2, { plugins: ['videocall'] })]);
    const store = { type: 'redis', redis_url: redis.url, proxy_ttl_s: PROXY_TTL_S };
    [proxyA, proxyB] = await Promise.all([
      startTestProxy(janus, { store, general: { server_name: 'proxy-a' } }),
      startProxyProcess(janus, { store, general: { server_name: 'proxy-b' } }),
    ]);
  });
  after(async () => {
    await Promise.all(calls.map((c) => closeCall(c)));
    await users.closeAll();
    await proxyB.stop();
    await proxyA.stop();
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  it('shares the username registry: both proxies list both users, and a name held on one proxy cannot be taken on the other', async () => {
    const alice = await users.registered(proxyA.url, VIDEOCALL, 'alice');
    const bob = await users.registered(proxyB.url, VIDEOCALL, 'bob');
    assert.deepEqual(await listed(alice), ['alice', 'bob']);
    assert.deepEqual(await listed(bob), ['alice', 'bob']);
    const mallory = await connectCallUser(proxyB.url, VIDEOCALL);
    users.track(mallory);
    const { event } = await mallory.send({ request: 'register', username: 'alice' });
    assert.deepEqual(dataOf(event), { videocall: 'event', error_code: 476, error: "Username 'alice' already taken" });
  });

  it('videocall from proxy A to proxy B: both legs on one backend, media both ways, hangup reaches the caller', async () => {
    const [alice, bob] = [users.list[0]!, users.list[1]!];
    const call = await videoCall(alice, bob, 'bob', janus);
    calls.push(call);
    await expectMediaBothWays(call);
    const counts = await Promise.all(janus.map((j) => countHandles(j)));
    assert.equal(counts[janus.indexOf(call.backend!)], 2, `both legs on the call's backend: ${JSON.stringify(counts)}`);
    const since = alice.client.mark();
    const { event } = await bob.send({ request: 'hangup', reason: 'Bye from B' });
    assert.equal(resultOf(event).event, 'hangup');
    const hangup = await alice.waitEvent('hangup', since, 10_000, 'Bye from B');
    assert.equal(resultOf(hangup).username, 'bob');
  });

  it('p2pcall from proxy A to proxy B: offer, answer and every candidate relayed over Redis, media peer to peer', async () => {
    const carol = await users.registered(proxyA.url, P2PCALL, 'carol');
    const dave = await users.registered(proxyB.url, P2PCALL, 'dave');
    const handlesBefore = await Promise.all(janus.map((j) => countHandles(j)));
    const call = await p2pCall(carol, dave, 'dave');
    calls.push(call);
    await expectMediaBothWays(call);
    assert.deepEqual(await Promise.all(janus.map((j) => countHandles(j))), handlesBefore, 'no Janus handle for a p2p call');
    const since = carol.client.mark();
    await dave.client.request({ janus: 'detach', session_id: dave.sessionId, handle_id: dave.handleId });
    const hangup = await carol.waitEvent('hangup', since);
    assert.deepEqual(resultOf(hangup), { event: 'hangup', username: 'dave', reason: 'Remote WebRTC hangup' });
  });

  it('killing proxy B makes its users vanish from list within the lease TTL and ends its p2p calls for the other side', async () => {
    const alice = users.list[0]!;
    assert.deepEqual(await listed(alice), ['alice', 'bob']);
    const erin = await users.registered(proxyA.url, P2PCALL, 'erin');
    const frank = await users.registered(proxyB.url, P2PCALL, 'frank');
    calls.push(await p2pCall(erin, frank, 'frank'));
    const erinSince = erin.client.mark();
    const killedAt = Date.now();
    await proxyB.kill('SIGKILL');
    // Nothing cleaned up after it: bob is there until the lease of proxy B runs out.
    assert.deepEqual(await listed(alice), ['alice', 'bob']);
    // The lease expires within one TTL; allow a second for the last refresh and the polling.
    const names = await pollUntil('bob to vanish from list', async () => {
      const now = await listed(alice);
      return now.includes('bob') ? undefined : now;
    }, (PROXY_TTL_S + 1) * 1000);
    assert.deepEqual(names, ['alice']);
    assert.ok(Date.now() - killedAt <= (PROXY_TTL_S + 1) * 1000);
    const { event } = await alice.send({ request: 'call', username: 'bob' });
    assert.deepEqual(dataOf(event), { videocall: 'event', error_code: 478, error: "Username 'bob' doesn't exist" });

    // Media goes peer to peer, so no Janus notices: erin's proxy sees frank leave the registry.
    const deadline = (PROXY_TTL_S + 1) * 1000 + PEER_WATCH_INTERVAL_MS;
    const hangup = await erin.waitEvent('hangup', erinSince, deadline);
    assert.deepEqual(resultOf(hangup), { event: 'hangup', username: 'frank', reason: 'Remote WebRTC hangup' });
    await erin.client.waitFor((m) => m.janus === 'hangup' && m.sender === erin.handleId, 1000, erinSince);
    assert.ok(Date.now() - killedAt <= deadline + 1000, `erin heard of it ${Date.now() - killedAt} ms after the kill`);
    assert.deepEqual(await listed(erin), ['carol', 'erin'], 'p2pcall users: frank gone with proxy B');
  });
});
