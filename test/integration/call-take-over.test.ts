// Calls in progress survive their proxy's death. Three proxies (separate processes) share a real
// Redis in front of a real Janus in a network namespace. Two werift users in a call through one
// proxy; that proxy is SIGKILLed; both reconnect to another and `claim`. VideoCall: the media
// through Janus keeps flowing both ways after Janus's own reclaim window (the new proxy claimed the
// legs' backend sessions), and a hangup through the new proxy ends the call for both, with real
// usernames. P2P Call: the peers' media never touched a proxy; the call's signalling carries on
// (hangup reaches the peer) and both can call again through the new proxy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import type { ProxyProcess } from '../support/proxy-process.js';
import { startSharedStoreProxies } from '../support/shared-store-proxies.js';
import { resultOf, type CallUser } from '../support/call-client.js';
import { CallUsers, closeCall, expectMediaBothWays, p2pCall, videoCall, type Call } from '../support/call-flows.js';
import type { CallPeer } from '../support/call-peer.js';
import { pollUntil } from '../support/processes.js';

const JANUS_RECLAIM_S = 3;
const VIDEOCALL = 'janus.plugin.videocall';
const P2PCALL = 'janus.plugin.p2pcall';

function received(peer: CallPeer): number {
  return peer.rtpReceived.audio + peer.rtpReceived.video;
}

/** Both peers receive `more` packets beyond what they had. */
async function mediaKeepsFlowing(call: Call, more = 50): Promise<void> {
  const before = [received(call.caller), received(call.callee)] as const;
  await pollUntil('RTP both ways', () => (received(call.caller) > before[0] + more && received(call.callee) > before[1] + more ? true : undefined), 10_000);
}

/** No `detached` or `hangup` reached the user since `mark`. */
function assertNothingEnded(user: CallUser, mark: number): void {
  const gone = user.client.frames.slice(mark).filter((m) => m.janus === 'detached' || (m.janus === 'hangup'));
  assert.deepEqual(gone, [], 'no detached or hangup after the claim');
}

describe('calls in progress carry on when their proxy dies', { timeout: 150_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  let proxies: ProxyProcess[];
  const users = new CallUsers();
  const calls: Call[] = [];

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(1, { plugins: ['videocall'], reclaimSessionTimeout: JANUS_RECLAIM_S })]);
    proxies = await startSharedStoreProxies(janus, redis, ['proxy-a', 'proxy-b', 'proxy-c']);
  });
  after(async () => {
    await Promise.all(calls.map((c) => closeCall(c)));
    await users.closeAll();
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  it('videocall: SIGKILL of the proxy; both users claim elsewhere, media through Janus never stops, hangup works', async () => {
    const [proxyA, proxyB] = proxies as [ProxyProcess, ProxyProcess];
    const alice = await users.registered(proxyA.url, VIDEOCALL, 'alice');
    const bob = await users.registered(proxyA.url, VIDEOCALL, 'bob');
    const call = await videoCall(alice, bob, 'bob', janus);
    calls.push(call);
    await expectMediaBothWays(call);

    await proxyA.kill('SIGKILL');
    const killedAt = performance.now();
    const aliceB = await users.reconnected(proxyB.url, alice);
    const bobB = await users.reconnected(proxyB.url, bob);
    const marks = [aliceB.client.mark(), bobB.client.mark()] as const;

    // After Janus's own reclaim window: the legs' backend sessions were really claimed.
    await new Promise<void>((resolve) => { setTimeout(resolve, Math.max(0, JANUS_RECLAIM_S * 1000 + 1000 - (performance.now() - killedAt))); });
    await mediaKeepsFlowing(call);
    assert.equal(call.caller.pc.connectionState, 'connected');
    assert.equal(call.callee.pc.connectionState, 'connected');
    assertNothingEnded(aliceB, marks[0]);
    assertNothingEnded(bobB, marks[1]);

    // The call is still Janus's, reached through the restored legs: a `set` on it is answered.
    const { event: set } = await aliceB.send({ request: 'set', bitrate: 256000 });
    assert.equal(resultOf(set).event, 'set', JSON.stringify(set));
    // Hanging up through B ends it for both, each told with the other's real name.
    const bobSince = bobB.client.mark();
    const { event: hungUp } = await aliceB.send({ request: 'hangup' });
    assert.equal(resultOf(hungUp).event, 'hangup', JSON.stringify(hungUp));
    const peerHangup = await bobB.waitEvent('hangup', bobSince);
    assert.equal(resultOf(peerHangup).username, 'alice', JSON.stringify(peerHangup));
    assert.equal(resultOf(hungUp).username, 'alice', JSON.stringify(hungUp));
  });

  it('p2pcall: SIGKILL of the proxy; both users claim elsewhere, the call and the registrations carry on', async () => {
    const [, proxyB, proxyC] = proxies as [ProxyProcess, ProxyProcess, ProxyProcess];
    const carol = await users.registered(proxyC.url, P2PCALL, 'carol');
    const dave = await users.registered(proxyC.url, P2PCALL, 'dave');
    const call = await p2pCall(carol, dave, 'dave');
    calls.push(call);
    await expectMediaBothWays(call);

    await proxyC.kill('SIGKILL');
    const carolB = await users.reconnected(proxyB.url, carol);
    const daveB = await users.reconnected(proxyB.url, dave);
    await mediaKeepsFlowing(call);

    // The call's signalling goes on through B: carol's hangup reaches dave, with her name.
    const daveSince = daveB.client.mark();
    const { event: hungUp } = await carolB.send({ request: 'hangup' });
    assert.equal(resultOf(hungUp).event, 'hangup', JSON.stringify(hungUp));
    const peerHangup = await daveB.waitEvent('hangup', daveSince);
    assert.equal(resultOf(peerHangup).username, 'carol', JSON.stringify(peerHangup));
    await closeCall(call);

    // Both are still registered (B reclaimed their names): they can call each other again.
    const again = await p2pCall(daveB, carolB, 'carol');
    calls.push(again);
    await expectMediaBothWays(again);
  });
});
