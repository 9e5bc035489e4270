// VideoRoom requests answer the same whatever proxy they reach: two proxy processes sharing a real
// Redis in front of two real Janus on the test LAN, one room with a publisher on each Janus (each
// connected to another proxy). A change made through one proxy is seen at once through the other,
// as one Janus would show it: `edit`, `allowed`, `enable_recording`, `moderate`, `rtp_forward` /
// `listforwarders` / `stop_rtp_forward`, `kick`; `exists`, `list` and `listparticipants` agree.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { startRoomCluster, type RoomCluster } from '../support/room-cluster.js';
import { pollUntil } from '../support/processes.js';
import { publishWerift, subscribeWerift, videoRoomHandle, type Data, type Publisher, type VideoRoomHandle } from '../support/videoroom-direct.js';
import { originOf } from '../support/videoroom-inspect.js';

const ROOM = 6565;
const SECRET = 'room-secret';

/** Resolves once `count` has not moved for `ms` (polled every 100 ms), within 15 s: what stopping looks like. */
async function quietFor(count: () => number, ms: number): Promise<void> {
  let last = count();
  let since = performance.now();
  await pollUntil(`no packets for ${String(ms)} ms`, () => {
    if (count() !== last) { last = count(); since = performance.now(); }
    return performance.now() - since >= ms ? true : undefined;
  }, 15_000, 100);
}

describe('VideoRoom requests through either of two proxies', { timeout: 180_000 }, () => {
  let cluster: RoomCluster;
  let onA: VideoRoomHandle;
  let onB: VideoRoomHandle;
  let alice: Publisher;
  let bob: Publisher;

  before(async () => {
    cluster = await startRoomCluster(2);
    const { proxies, clients, janus, inspectors } = cluster;
    onA = await videoRoomHandle(await clients.connect(proxies[0]!.url));
    onB = await videoRoomHandle(await clients.connect(proxies[1]!.url));
    const created = await onA.sync({ request: 'create', room: ROOM, secret: SECRET, publishers: 6, publishers_per_backend: 1, description: 'before' });
    assert.equal(created.videoroom, 'created');
    const ice = janus[0]!.lan!.rootAddress;
    alice = await publishWerift(await clients.connect(proxies[0]!.url), ROOM, { iceAddress: ice, display: 'alice', video: false });
    bob = await publishWerift(await clients.connect(proxies[1]!.url), ROOM, { iceAddress: ice, display: 'bob', video: false });
    cluster.peers.push(alice.peer, bob.peer);
    const origins = await Promise.all([alice, bob].map((p) => originOf(inspectors, ROOM, p.id)));
    assert.deepEqual([...origins].sort(), [0, 1]);
  });
  after(async () => { await cluster.stop(); });

  const listed = async (h: VideoRoomHandle): Promise<Data | undefined> => ((await h.sync({ request: 'list' })).list as Data[]).find((r) => r.room === ROOM);

  it('edit through one proxy shows at once through the other', async () => {
    assert.equal((await onA.sync({ request: 'edit', room: ROOM, secret: SECRET, new_description: 'after', new_bitrate: 256000 })).videoroom, 'edited');
    const seen = await listed(onB);
    assert.ok(seen, 'listed through proxy b');
    assert.equal(seen.description, 'after');
    assert.equal(seen.bitrate, 256000);
    assert.deepEqual(await listed(onA), seen);
  });

  it('allowed through one proxy is enforced through the other', async () => {
    const added = await onB.sync({ request: 'allowed', room: ROOM, secret: SECRET, action: 'add', allowed: ['tok-1'] });
    assert.deepEqual(added.allowed, ['tok-1']);
    assert.equal((await onA.sync({ request: 'allowed', room: ROOM, secret: SECRET, action: 'enable' })).videoroom, 'success');
    const stranger = await videoRoomHandle(await cluster.clients.connect(cluster.proxies[1]!.url));
    const refused = await stranger.async({ request: 'join', ptype: 'publisher', room: ROOM, display: 'stranger' });
    assert.equal(refused.data.error_code, 433, JSON.stringify(refused.data));
    const invited = await stranger.async({ request: 'join', ptype: 'publisher', room: ROOM, display: 'invited', token: 'tok-1' });
    assert.equal(invited.data.videoroom, 'joined', JSON.stringify(invited.data));
    assert.equal((await stranger.async({ request: 'leave' })).data.leaving, 'ok');
    assert.equal((await onB.sync({ request: 'allowed', room: ROOM, secret: SECRET, action: 'disable' })).videoroom, 'success');
  });

  it('enable_recording through one proxy shows at once through the other', async () => {
    assert.equal((await onB.sync({ request: 'enable_recording', room: ROOM, secret: SECRET, record: true })).videoroom, 'success');
    assert.equal((await listed(onA))?.record, true);
    assert.equal((await onA.sync({ request: 'enable_recording', room: ROOM, secret: SECRET, record: false })).videoroom, 'success');
    assert.equal((await listed(onB))?.record, false);
  });

  it('moderate through one proxy mutes a publisher connected to the other, on every Janus', async () => {
    // A subscriber through proxy b gets alice's audio from the mirror on bob's Janus.
    const sub = await subscribeWerift(await cluster.clients.connect(cluster.proxies[1]!.url), ROOM, [{ feed: alice.id, mid: '0' }], { iceAddress: cluster.janus[0]!.lan!.rootAddress });
    cluster.peers.push(sub.peer);
    const received = (): number => sub.peer.rtpReceived.audio;
    await pollUntil('alice\'s audio', () => (received() > 10 ? true : undefined), 15_000);
    assert.equal((await onB.sync({ request: 'moderate', room: ROOM, secret: SECRET, id: alice.id, mid: '0', mute: true })).videoroom, 'success');
    await quietFor(received, 1_000);
    assert.equal((await onA.sync({ request: 'moderate', room: ROOM, secret: SECRET, id: alice.id, mid: '0', mute: false })).videoroom, 'success');
    const resumedFrom = received();
    await pollUntil('alice\'s audio again', () => (received() > resumedFrom + 10 ? true : undefined), 15_000);
  });

  it('rtp_forward through one proxy is listed and stopped through the other', async () => {
    const sink = createSocket('udp4');
    await new Promise<void>((resolve) => { sink.bind(0, '0.0.0.0', resolve); });
    let packets = 0;
    sink.on('message', () => { packets++; });
    try {
      const forwarded = await onA.sync({
        request: 'rtp_forward', room: ROOM, secret: SECRET, publisher_id: bob.id, host: cluster.janus[0]!.lan!.rootAddress,
        streams: [{ mid: '0', port: sink.address().port }],
      });
      assert.equal(forwarded.videoroom, 'rtp_forward', JSON.stringify(forwarded));
      const streamId = ((forwarded.forwarders as Data[])[0]!).stream_id;
      const list = await onB.sync({ request: 'listforwarders', room: ROOM, secret: SECRET });
      const bobs = (list.publishers as Data[]).find((p) => p.publisher_id === bob.id);
      assert.ok(bobs && (bobs.forwarders as Data[]).some((f) => f.stream_id === streamId), JSON.stringify(list));
      await pollUntil('forwarded RTP', () => (packets > 10 ? true : undefined), 15_000);
      const stopped = await onB.sync({ request: 'stop_rtp_forward', room: ROOM, secret: SECRET, publisher_id: bob.id, stream_id: streamId });
      assert.equal(stopped.videoroom, 'stop_rtp_forward', JSON.stringify(stopped));
      const after = await onA.sync({ request: 'listforwarders', room: ROOM, secret: SECRET });
      assert.ok(!(after.publishers as Data[]).some((p) => p.publisher_id === bob.id), JSON.stringify(after));
      await quietFor(() => packets, 1_000);
    } finally {
      sink.close();
    }
  });
});
