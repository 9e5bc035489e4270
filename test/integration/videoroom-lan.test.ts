// The test LAN fixture and Janus 1.1.2 remote publishers straight on two real Janus hosts (no proxy):
// a werift publisher on A is mirrored on B (add_remote_publisher on B, publish_remotely on A), and a
// werift subscriber on B receives its RTP over the Janus-to-Janus hop.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { publishWerift, subscribeWerift, videoRoomHandle, type Publisher, type Subscriber } from '../support/videoroom-direct.js';
import { pollUntil } from '../support/processes.js';

const ROOM = 4242;

describe('test LAN: Janus remote publishers between two namespaced hosts', { timeout: 120_000 }, () => {
  let janus: JanusInstance[] = [];
  const clients: JanusTestClient[] = [];
  let publisher: Publisher | undefined;
  let subscriber: Subscriber | undefined;

  before(async () => {
    janus = await startJanusCluster(2, { lan: true, plugins: ['videoroom'], videoroom: {} });
  });
  after(async () => {
    await publisher?.peer.close();
    await subscriber?.peer.close();
    await Promise.all(clients.map((c) => c.close()));
    const bridge = janus[0]?.lan?.bridge;
    await Promise.all(janus.map((j) => j.stop()));
    if (bridge) assert.ok(!execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).includes(bridge), 'bridge removed with the last host');
  });

  async function connect(j: JanusInstance): Promise<JanusTestClient> {
    const client = await JanusTestClient.connect(j.wsUrl);
    clients.push(client);
    return client;
  }

  it('puts both hosts in one /24 on one bridge, peers bind the bridge address', () => {
    const [a, b] = janus as [JanusInstance, JanusInstance];
    assert.ok(a.lan && a.lan === b.lan);
    assert.equal(a.peerAddress, a.lan.rootAddress);
    assert.equal(a.host.split('.').slice(0, 3).join('.'), b.host.split('.').slice(0, 3).join('.'));
    const bridgeAddrs = execFileSync('ip', ['-o', '-4', 'addr', 'show', 'dev', a.lan.bridge], { encoding: 'utf8' });
    assert.ok(bridgeAddrs.includes(`${a.lan.rootAddress}/24`));
    assert.equal(execFileSync('ip', ['netns', 'exec', a.testHost!.ns, 'ip', 'route', 'show', 'default'], { encoding: 'utf8' }).trim(), '');
  });

  it('relays a publisher on A to a subscriber on B as a remote publisher', async () => {
    const [a, b] = janus as [JanusInstance, JanusInstance];
    const ca = await connect(a);
    const cb = await connect(b);
    const ctlA = await videoRoomHandle(ca);
    const ctlB = await videoRoomHandle(cb);
    for (const ctl of [ctlA, ctlB]) assert.equal((await ctl.sync({ request: 'create', room: ROOM, publishers: 6 })).videoroom, 'created');

    publisher = await publishWerift(ca, ROOM, { iceAddress: a.peerAddress!, display: 'alice' });
    const added = await ctlB.sync({
      request: 'add_remote_publisher', room: ROOM, id: publisher.id, display: 'alice', iface: b.host, streams: publisher.streams,
    });
    assert.equal(added.videoroom, 'success', JSON.stringify(added));
    assert.equal(added.id, publisher.id);
    const remotized = await ctlA.sync({
      request: 'publish_remotely', room: ROOM, publisher_id: publisher.id, remote_id: 'to-b', host: b.host, port: added.port, rtcp_port: added.rtcp_port,
    });
    assert.equal(remotized.videoroom, 'success', JSON.stringify(remotized));
    const remotes = await ctlA.sync({ request: 'listremotes', room: ROOM, publisher_id: publisher.id });
    assert.deepEqual((remotes.list as { remote_id: string }[]).map((r) => r.remote_id), ['to-b']);
    // Janus registers the remote publisher in the room from another thread: it can lag the reply a little.
    const onB = await pollUntil('the remote publisher is listed on B', async () => {
      const reply = await ctlB.sync({ request: 'listparticipants', room: ROOM });
      return (reply.participants as unknown[]).length > 0 ? reply : undefined;
    }, 5_000);
    assert.deepEqual(onB.participants, [{ id: publisher.id, display: 'alice', publisher: true, remote: true }]);

    subscriber = await subscribeWerift(cb, ROOM, [{ feed: publisher.id }], { iceAddress: b.peerAddress! });
    await subscriber.peer.waitForRtp(10, 15_000);

    await ctlA.sync({ request: 'unpublish_remotely', room: ROOM, publisher_id: publisher.id, remote_id: 'to-b' });
    assert.equal((await ctlB.sync({ request: 'remove_remote_publisher', room: ROOM, id: publisher.id })).videoroom, 'success');
    // Janus takes the remote publisher down asynchronously: it may be listed for a moment longer.
    await pollUntil('remote publisher gone from B', async () => {
      const left = (await ctlB.sync({ request: 'listparticipants', room: ROOM })).participants as unknown[];
      return left.length === 0 ? true : undefined;
    }, 5000, 20);
  });
});
