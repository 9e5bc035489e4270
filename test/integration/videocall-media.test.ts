// Real media between two werift users through one proxy in front of two real Janus hosts (each in
// its own network namespace). VideoCall: both legs land on one backend, media flows both ways
// through it; when it dies both users hear `hangup` and can call again (on the other backend).
// P2P Call: the peers connect to each other over loopback and no Janus holds any handle.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { countHandles } from '../support/cluster-helpers.js';
import { connectCallUser, resultOf, type CallUser } from '../support/call-client.js';
import { closeCall, expectMediaBothWays, p2pCall, register, videoCall, type Call } from '../support/call-flows.js';

const VIDEOCALL = 'janus.plugin.videocall';
const P2PCALL = 'janus.plugin.p2pcall';

describe('videocall and p2pcall with real media through the proxy', () => {
  let janus: JanusInstance[] = [];
  let proxy: TestProxy;
  const users: CallUser[] = [];
  const calls: Call[] = [];

  before(async () => {
    janus = await startJanusCluster(2, { plugins: ['videocall'] });
    proxy = await startTestProxy(janus);
  });
  after(async () => {
    await Promise.all(calls.map((c) => closeCall(c)));
    await Promise.all(users.map((u) => u.close()));
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  async function user(plugin: string, name: string): Promise<CallUser> {
    const u = await connectCallUser(proxy.url, plugin);
    users.push(u);
    await register(u, name);
    return u;
  }

  it('videocall: both legs on the backend chosen for the call, media both ways through it; backend death ends the call for both, who call again', async () => {
    const alice = await user(VIDEOCALL, 'alice');
    const bob = await user(VIDEOCALL, 'bob');
    assert.deepEqual(await Promise.all(janus.map((j) => countHandles(j))), [0, 0], 'no backend handle before the call');

    const first = await videoCall(alice, bob, 'bob', janus);
    calls.push(first);
    await expectMediaBothWays(first);
    const backend = first.backend!;
    const other = janus.find((j) => j !== backend)!;
    assert.equal(await countHandles(backend), 2, 'both legs on the call\'s backend');
    assert.equal(await countHandles(other), 0, 'nothing on the other backend');

    const aliceSince = alice.client.mark();
    const bobSince = bob.client.mark();
    await backend.kill();
    const [aliceHangup, bobHangup] = await Promise.all([alice.waitEvent('hangup', aliceSince), bob.waitEvent('hangup', bobSince)]);
    assert.deepEqual(resultOf(aliceHangup), { event: 'hangup', username: 'bob', reason: 'Janus backend lost' });
    assert.deepEqual(resultOf(bobHangup), { event: 'hangup', username: 'alice', reason: 'Janus backend lost' });
    await closeCall(first);

    const second = await videoCall(bob, alice, 'alice', janus);
    calls.push(second);
    assert.equal(second.backend, other, 'the second call goes to the backend that is still up');
    await expectMediaBothWays(second);
    const { event: hangup } = await bob.send({ request: 'hangup' });
    assert.equal(resultOf(hangup).event, 'hangup');
    await backend.restart();
  });

  it('p2pcall: media peer to peer, no Janus handle during the call; set without jsep reaches the peer as update; core hangup ends it for both', async () => {
    const carol = await user(P2PCALL, 'carol');
    const dave = await user(P2PCALL, 'dave');
    // Left over from the videocall test (its users are still registered): the p2p call adds nothing.
    const handlesBefore = await Promise.all(janus.map((j) => countHandles(j)));
    const call = await p2pCall(carol, dave, 'dave');
    calls.push(call);
    await expectMediaBothWays(call);
    assert.deepEqual(await Promise.all(janus.map((j) => countHandles(j))), handlesBefore, 'no Janus handle for a p2p call');

    let since = dave.client.mark();
    const { event: set } = await carol.send({ request: 'set', audio: false, bitrate: 64_000 });
    assert.equal(resultOf(set).event, 'set');
    const update = await dave.waitEvent('update', since);
    assert.deepEqual(resultOf(update), { event: 'update', audio: false, bitrate: 64_000 });
    assert.equal(update.jsep, undefined);

    since = dave.client.mark();
    const carolSince = carol.client.mark();
    const reply = await carol.client.request({ janus: 'hangup', session_id: carol.sessionId, handle_id: carol.handleId });
    assert.equal(reply.janus, 'success');
    const hangup = await dave.waitEvent('hangup', since);
    assert.deepEqual(resultOf(hangup), { event: 'hangup', username: 'carol', reason: 'Remote WebRTC hangup' });
    await dave.client.waitFor((m) => m.janus === 'hangup' && m.sender === dave.handleId, 5_000, since);
    await carol.client.waitFor((m) => m.janus === 'hangup' && m.sender === carol.handleId, 5_000, carolSince);
    // Both are free again: dave can call carol.
    const { event: busy } = await dave.send({ request: 'call', username: 'carol' });
    assert.equal(busy?.plugindata && (busy.plugindata as { data: { error_code?: number } }).data.error_code, 482, 'not busy: only the SDP is missing');
  });
});
