// One VideoRoom over three real Janus servers on a test LAN, through the proxy, with real media
// (werift): publishers spread by the per-room threshold, remote-publisher mirrors, one subscriber
// PeerConnection for feeds on every backend, renegotiation, unpublish/leave, and a backend SIGKILLed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';
import { pluginData, publishWerift, subscribeWerift, videoRoomHandle, type Data, type Publisher, type Subscriber } from '../support/videoroom-direct.js';
import { JanusInspector, originOf } from '../support/videoroom-inspect.js';
import { createEchoPeer } from '../support/werift-peer.js';
import { pollUntil } from '../support/processes.js';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIMEOUT_MS = 20_000;

describe('videoroom over three Janus servers: cascading with real media', { timeout: 300_000 }, () => {
  let janus: JanusInstance[] = [];
  let proxy: TestProxy;
  let inspectors: JanusInspector[] = [];
  let ice: string;
  const clients: JanusTestClient[] = [];
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    janus = await startJanusCluster(3, { lan: true, plugins: ['videoroom'], videoroom: {} });
    proxy = await startTestProxy(janus, { videoroom: { rtp_forward_local_host: true } });
    inspectors = await Promise.all(janus.map((j) => JanusInspector.open(j)));
    ice = janus[0]!.lan!.rootAddress;
  });
  after(async () => {
    for (const close of closers) await close().catch(() => undefined);
    await Promise.all([...clients, ...inspectors].map((c) => c.close().catch(() => undefined)));
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  async function connect(): Promise<JanusTestClient> {
    const client = await JanusTestClient.connect(proxy.url);
    clients.push(client);
    return client;
  }

  async function createRoom(body: Data): Promise<void> {
    const ctl = await videoRoomHandle(await connect());
    const data = await ctl.sync({ request: 'create', publishers: 10, ...body });
    assert.equal(data.videoroom, 'created', JSON.stringify(data));
  }

  /** One user (own connection and session) publishing audio+video. */
  async function publisher(room: number, display: string): Promise<Publisher> {
    const pub = await publishWerift(await connect(), room, { iceAddress: ice, display });
    closers.push(() => pub.peer.close());
    return pub;
  }

  async function subscriber(owner: Publisher, room: number, feeds: Publisher[]): Promise<Subscriber> {
    const sub = await subscribeWerift(owner.handle.client, room, feeds.map((p) => ({ feed: p.id })), { iceAddress: ice, privateId: owner.privateId });
    closers.push(() => sub.peer.close());
    return sub;
  }

  /** A plugin event without transaction for `handle` whose data satisfies `pred`, received since `since`. */
  function event(p: { handle: { client: JanusTestClient; handleId: number } }, pred: (d: Data) => boolean, since: number): Promise<JanusMessage> {
    return p.handle.client.waitFor((m) => m.janus === 'event' && m.sender === p.handle.handleId && m.transaction === undefined && pred(pluginData(m)), TIMEOUT_MS, since);
  }

  const ROOM = 8101;
  const pubs: Publisher[] = [];
  let subs: Subscriber[] = [];

  it('spreads three publishers over three backends; subscribers on two backends get every feed in one PeerConnection', async () => {
    await createRoom({ room: ROOM, publishers_per_backend: 1 });
    const marks = [];
    for (const name of ['p0', 'p1', 'p2']) {
      marks.push(clients.length);
      pubs.push(await publisher(ROOM, name));
    }
    const origins = await Promise.all(pubs.map((p) => originOf(inspectors, ROOM, p.id)));
    assert.deepEqual([...origins].sort(), [0, 1, 2], `one publisher per backend: ${JSON.stringify(origins)}`);
    for (const inspector of inspectors) {
      await pollUntil('two mirrors on every backend', async () => ((await inspector.room(ROOM))?.remote.length === 2 ? true : undefined), TIMEOUT_MS);
    }
    for (const [i, p] of pubs.entries()) {
      const expected = janus.filter((_, j) => j !== origins[i]).map((j) => `jc-${j.name}`).sort();
      // The origin lists a remotization once Janus has set it up, which may trail the mirror appearing.
      const listed = await pollUntil(`${p.id} remotized on both other backends`, async () => {
        const remotes = await inspectors[origins[i]!]!.remotes(ROOM, p.id);
        return Array.isArray(remotes) && remotes.length === expected.length ? remotes : undefined;
      }, TIMEOUT_MS);
      assert.deepEqual(listed, expected);
    }
    // Everyone learns about everyone, whichever backend the others are on.
    for (const [i, p] of pubs.entries()) {
      for (const other of pubs.filter((q) => q !== p)) {
        const announced = (m: Data): boolean => Array.isArray(m.publishers) && (m.publishers as Data[]).some((e) => e.id === other.id);
        if (announced(p.joined)) continue;
        await event(p, announced, 0);
      }
      assert.ok(i >= 0);
    }
    subs = [await subscriber(pubs[0]!, ROOM, pubs), await subscriber(pubs[1]!, ROOM, pubs)];
    for (const sub of subs) {
      assert.equal((sub.attached.streams as Data[]).length, 6);
      await sub.peer.waitForRtp(10, TIMEOUT_MS);
    }
    const subscribersPerBackend = await Promise.all(inspectors.map((i) => i.subscribers()));
    assert.equal(subscribersPerBackend[origins[0]!], 1, `subscriber of p0 on p0's backend: ${JSON.stringify(subscribersPerBackend)}`);
    assert.equal(subscribersPerBackend[origins[1]!], 1, `subscriber of p1 on p1's backend: ${JSON.stringify(subscribersPerBackend)}`);

    // The REST admin API shows the room as the operator needs it: each participant, its origin Janus
    // and the Janus servers its copies are on.
    type RoomView = { room: number; backends: string[]; participants: { id: number; backend: string; publishing: boolean; copies_on: string[] }[] };
    const { rooms } = await new AdminClient(proxy.adminUrl ?? '', TEST_ADMIN_TOKEN).ok<{ rooms: RoomView[] }>('GET', '/rooms');
    const room = rooms.find((r) => r.room === ROOM);
    assert.ok(room, JSON.stringify(rooms));
    assert.deepEqual([...room.backends].sort(), janus.map((j) => j.name).sort());
    for (const [i, p] of pubs.entries()) {
      const shown: RoomView['participants'][number] | undefined = room.participants.find((q) => q.id === p.id);
      assert.ok(shown, `${String(p.id)} listed`);
      assert.equal(shown.backend, janus[origins[i]!]!.name);
      assert.equal(shown.publishing, true);
      assert.deepEqual([...shown.copies_on].sort(), janus.filter((_, j) => j !== origins[i]).map((j) => j.name).sort());
    }
  });

  it('renegotiation: a publisher adds a track, its copies follow and the others are told', async () => {
    const [p0, p1, p2] = pubs as [Publisher, Publisher, Publisher];
    const since = [p0, p1].map((p) => p.handle.client.mark());
    p2.peer.addTrack('audio');
    const offer = await p2.peer.createOffer();
    const configured = await p2.handle.async({ request: 'configure' }, offer);
    assert.equal(configured.data.configured, 'ok');
    assert.equal((configured.data.streams as Data[]).length, 3);
    await p2.peer.setAnswer(configured.jsep!);
    for (const [i, p] of [p0, p1].entries()) {
      await event(p, (d) => Array.isArray(d.publishers) && (d.publishers as Data[]).some((e) => e.id === p2.id && (e.streams as Data[]).length === 3), since[i]!);
    }
    const sub = subs[0]!;
    const updated = await sub.handle.async({ request: 'update', subscribe: [{ feed: p2.id, mid: '2' }] });
    assert.equal(updated.data.videoroom, 'updated', JSON.stringify(updated.data));
    const answer = await sub.peer.answer(updated.jsep!);
    assert.equal((await sub.handle.async({ request: 'start' }, answer)).data.started, 'ok');
    const newMid = (updated.data.streams as Data[]).find((s) => s.feed_id === p2.id && s.feed_mid === '2')?.mid as string;
    await pollUntil(`RTP on the new stream (mid ${newMid})`, () => ((sub.peer.rtpReceived.byMid[newMid] ?? 0) >= 10 ? true : undefined), TIMEOUT_MS);
  });

  it('subscriber requests across backends: pause, start, switch, configure, unsubscribe', async () => {
    const [p0, p1, p2] = pubs as [Publisher, Publisher, Publisher];
    const sub = subs[1]!;
    const streams = sub.attached.streams as Data[];
    const midOf = (feed: unknown, type: string): string => String(streams.find((x) => x.feed_id === feed && x.type === type)!.mid);
    const grows = (mid: string, by: number, what: string): Promise<true> => {
      const from = sub.peer.rtpReceived.byMid[mid] ?? 0;
      return pollUntil(what, () => ((sub.peer.rtpReceived.byMid[mid] ?? 0) >= from + by ? true : undefined), TIMEOUT_MS);
    };
    assert.equal((await sub.handle.async({ request: 'pause' })).data.paused, 'ok');
    assert.equal((await sub.handle.async({ request: 'start' })).data.started, 'ok');
    await grows(midOf(p0.id, 'audio'), 10, 'RTP again after start');
    // p0's audio m-line now carries p2's audio: both publishers are on other backends than this subscriber.
    const switched = await sub.handle.async({ request: 'switch', streams: [{ feed: p2.id, mid: '0', sub_mid: midOf(p0.id, 'audio') }] });
    assert.equal(switched.data.switched, 'ok', JSON.stringify(switched.data));
    assert.equal(switched.data.changes, 1);
    await grows(midOf(p0.id, 'audio'), 10, 'RTP on the switched m-line');
    const configured = await sub.handle.async({ request: 'configure', streams: [{ mid: midOf(p1.id, 'video'), send: false }] });
    assert.equal(configured.data.configured, 'ok', JSON.stringify(configured.data));
    const updated = await sub.handle.async({ request: 'unsubscribe', streams: [{ feed: p1.id }] });
    assert.equal(updated.data.videoroom, 'updated', JSON.stringify(updated.data));
    const inactive = (updated.data.streams as Data[]).filter((x) => x.active === false).length;
    assert.equal(inactive, 2, JSON.stringify(updated.data.streams));
    assert.equal((await sub.handle.async({ request: 'start' }, await sub.peer.answer(updated.jsep!))).data.started, 'ok');
  });

  it('rtp_forward runs at the publisher\'s origin and says which host sends the RTP', async () => {
    const p0 = pubs[0]!;
    const origin = await originOf(inspectors, ROOM, p0.id);
    const socket = createSocket('udp4');
    let received = 0;
    socket.on('message', () => { received++; });
    await new Promise<void>((resolve) => { socket.bind(0, ice, resolve); });
    try {
      const ctl = await videoRoomHandle(await connect());
      const data = await ctl.sync({ request: 'rtp_forward', room: ROOM, publisher_id: p0.id, host: ice, streams: [{ mid: '0', port: socket.address().port }] });
      assert.equal(data.videoroom, 'rtp_forward', JSON.stringify(data));
      const forwarders = data.forwarders as Data[];
      assert.equal(forwarders.length, 1);
      assert.equal(forwarders[0]!.local_host, janus[origin]!.host);
      await pollUntil('forwarded RTP', () => (received >= 10 ? true : undefined), TIMEOUT_MS);
      const stopped = await ctl.sync({ request: 'stop_rtp_forward', room: ROOM, publisher_id: p0.id, stream_id: forwarders[0]!.stream_id });
      assert.equal(stopped.videoroom, 'stop_rtp_forward');
    } finally {
      socket.close();
    }
  });

  it('unpublish and leave reach the participants on every backend, and the copies go', async () => {
    const [p0, p1, p2] = pubs as [Publisher, Publisher, Publisher];
    const origin1 = await originOf(inspectors, ROOM, p1.id);
    let since = [p0, p2].map((p) => p.handle.client.mark());
    const subSince = subs.map((s) => s.handle.client.mark());
    assert.equal((await p1.handle.async({ request: 'unpublish' })).data.unpublished, 'ok');
    for (const [i, p] of [p0, p2].entries()) await event(p, (d) => d.unpublished === p1.id, since[i]!);
    // The first subscriber still has p1's streams (the second unsubscribed them above).
    await event(subs[0]!, (d) => d.videoroom === 'updated', subSince[0]!);
    assert.deepEqual(await inspectors[origin1]!.remotes(ROOM, p1.id), []);
    for (const inspector of inspectors) assert.ok(!(await inspector.room(ROOM))?.remote.some((r) => r.id === p1.id));

    since = [p0, p2].map((p) => p.handle.client.mark());
    assert.equal((await p1.handle.async({ request: 'leave' })).data.leaving, 'ok');
    for (const [i, p] of [p0, p2].entries()) await event(p, (d) => d.leaving === p1.id, since[i]!);

    const origin2 = await originOf(inspectors, ROOM, p2.id);
    const since0 = p0.handle.client.mark();
    assert.equal((await p2.handle.async({ request: 'leave' })).data.leaving, 'ok');
    await event(p0, (d) => d.leaving === p2.id, since0);
    await pollUntil('leavers gone from every Janus', async () => {
      const views = await Promise.all(inspectors.map((i) => i.room(ROOM)));
      const ids = views.flatMap((v) => [...(v?.local ?? []), ...(v?.remote ?? [])].map((p) => p.id));
      return ids.includes(p1.id) || ids.includes(p2.id) ? undefined : true;
    }, TIMEOUT_MS);
    assert.equal(await inspectors[origin2]!.remotes(ROOM, p2.id), 428);
  });

  it('a publisher that unpublishes and publishes again at once is mirrored again', async () => {
    const room = 8501;
    await createRoom({ room, publishers_per_backend: 1 });
    const [a, b] = [await publisher(room, 'a'), await publisher(room, 'b')];
    assert.notEqual(await originOf(inspectors, room, a.id), await originOf(inspectors, room, b.id));
    const since = a.handle.client.mark();
    const downSince = b.handle.client.mark();
    assert.equal((await b.handle.async({ request: 'unpublish' })).data.unpublished, 'ok');
    // As with one Janus: the old PeerConnection must be gone (`hangup`) before the next publish.
    await b.handle.client.waitFor((m) => m.janus === 'hangup' && m.sender === b.handle.handleId, TIMEOUT_MS, downSince);
    await b.peer.close();
    const peer = createEchoPeer({ iceAddress: ice });
    closers.push(() => peer.close());
    const upSince = b.handle.client.mark();
    const again = await b.handle.async({ request: 'publish' }, await peer.createOffer());
    assert.equal(again.data.configured, 'ok', JSON.stringify(again.data));
    await peer.setAnswer(again.jsep!);
    await b.handle.client.waitFor((m) => m.janus === 'webrtcup' && m.sender === b.handle.handleId, TIMEOUT_MS, upSince);
    await event(a, (d) => d.unpublished === b.id, since);
    await event(a, (d) => Array.isArray(d.publishers) && (d.publishers as Data[]).some((e) => e.id === b.id), since);
    const sub = await subscriber(a, room, [b]);
    await sub.peer.waitForRtp(10, TIMEOUT_MS);
  });

  it('keeps a small room on one backend with the default threshold', async () => {
    const room = 8201;
    await createRoom({ room });
    const small = [await publisher(room, 's0'), await publisher(room, 's1'), await publisher(room, 's2')];
    const origins = await Promise.all(small.map((p) => originOf(inspectors, room, p.id)));
    assert.equal(new Set(origins).size, 1, JSON.stringify(origins));
    const others = inspectors.filter((_, i) => i !== origins[0]);
    for (const inspector of others) assert.equal(await inspector.exists(room), false);
    for (const p of small) await p.handle.async({ request: 'leave' });
  });

  it('records each publisher once, on its origin, and destroy reaches every backend', async () => {
    const room = 8401;
    const dir = mkdtempSync(join(tmpdir(), 'jc-videoroom-rec-'));
    try {
      await createRoom({ room, publishers_per_backend: 1, record: true, rec_dir: dir });
      const recorded = [await publisher(room, 'r0'), await publisher(room, 'r1')];
      const origins = await Promise.all(recorded.map((p) => originOf(inspectors, room, p.id)));
      assert.notEqual(origins[0], origins[1]);
      const filesOf = (id: unknown): string[] => readdirSync(dir).filter((f) => f.startsWith(`videoroom-${room}-user-${String(id)}-`) && f.endsWith('.mjr'));
      await pollUntil('an audio and a video recording per publisher', () => (recorded.every((p) => filesOf(p.id).length === 2) ? true : undefined), TIMEOUT_MS);
      for (const p of recorded) assert.deepEqual(filesOf(p.id).map((f) => f.replace(/.*-(audio|video)-\d+\.mjr$/, '$1')).sort(), ['audio', 'video']);

      const since = recorded.map((p) => p.handle.client.mark());
      const ctl = await videoRoomHandle(await connect());
      assert.equal((await ctl.sync({ request: 'destroy', room })).videoroom, 'destroyed');
      for (const [i, p] of recorded.entries()) await event(p, (d) => d.videoroom === 'destroyed', since[i]!);
      for (const inspector of inspectors) assert.equal(await inspector.exists(room), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGKILL of one backend: its publisher is reported gone, the room carries on on the other two', async () => {
    const room = 8301;
    await createRoom({ room, publishers_per_backend: 1 });
    const [q0, q1, q2] = [await publisher(room, 'q0'), await publisher(room, 'q1'), await publisher(room, 'q2')];
    const origins = await Promise.all([q0, q1, q2].map((p) => originOf(inspectors, room, p.id)));
    for (const inspector of inspectors) {
      await pollUntil('mirrors everywhere', async () => ((await inspector.room(room))?.remote.length === 2 ? true : undefined), TIMEOUT_MS);
    }
    const t1 = await subscriber(q1, room, [q0, q1, q2]);
    const t2 = await subscriber(q2, room, [q0, q1, q2]);
    for (const t of [t1, t2]) await t.peer.waitForRtp(10, TIMEOUT_MS);

    const victim = janus[origins[0]!]!;
    const since = [q0, q1, q2, t1, t2].map((p) => p.handle.client.mark());
    await victim.kill('SIGKILL');
    const gone = (m: JanusMessage, handleId: number): boolean => m.sender === handleId;
    await q0.handle.client.waitFor((m) => gone(m, q0.handle.handleId) && m.janus === 'detached', TIMEOUT_MS, since[0]);
    await event(q1, (d) => d.leaving === q0.id, since[1]!);
    await event(q2, (d) => d.leaving === q0.id, since[2]!);
    await event(t1, (d) => d.videoroom === 'updated', since[3]!);
    await event(t2, (d) => d.videoroom === 'updated', since[4]!);

    // Media from the surviving publishers keeps flowing to both subscribers.
    for (const t of [t1, t2]) {
      const liveMids = (t.attached.streams as Data[]).filter((s) => s.feed_id !== q0.id).map((s) => String(s.mid));
      const before = liveMids.map((mid) => t.peer.rtpReceived.byMid[mid] ?? 0);
      await pollUntil('RTP still flowing', () => (liveMids.every((mid, i) => (t.peer.rtpReceived.byMid[mid] ?? 0) >= before[i]! + 10) ? true : undefined), TIMEOUT_MS);
    }
    // A newcomer joins a live backend and subscribes to what is left.
    const q3 = await publisher(room, 'q3');
    const q3Origin = await originOf(inspectors.filter((_, i) => i !== origins[0]), room, q3.id);
    assert.ok(q3Origin >= 0, 'the newcomer is on a live backend');
    const t3 = await subscriber(q3, room, [q1, q2]);
    await t3.peer.waitForRtp(10, TIMEOUT_MS);
  });
});
