// Room-routed plugins when the people of one room are on different proxies: two proxy processes
// share one real Redis in front of two real Janus hosts (network namespaces, real media). Rooms are
// made through proxy A and used through proxy B (and the other way); every event Janus sends about
// the room (joins, leaves, messages, destroy, media) reaches the participants on both proxies, and
// the sync requests answer the same from both.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import type { ProxyProcess } from '../support/proxy-process.js';
import { startSharedStoreProxies, TestClients } from '../support/shared-store-proxies.js';
import { dataOf, openHandle, requestEvent, syncRequest, type At, type Data } from '../support/plugin-messages.js';
import { createEchoPeer, createSubscriberPeer, type EchoPeer, type SubscriberPeer } from '../support/werift-peer.js';
import { createDataPeer, type DataPeer } from '../support/werift-data.js';

const AB = 'janus.plugin.audiobridge';
const TR = 'janus.plugin.textroom';
const SP = 'janus.plugin.streaming';

/** A plugin event (no transaction: unsolicited) on `at`'s handle whose data satisfies `pred`, from `since` on. */
function pluginEvent(client: JanusTestClient, at: At, pred: (d: Data) => boolean, since: number, timeoutMs = 10_000): Promise<JanusMessage> {
  return client.waitFor((m) => m.janus === 'event' && m.sender === at.handle_id && m.transaction === undefined && pred(dataOf(m)), timeoutMs, since);
}

const displays = (participants: unknown): string[] => ((participants ?? []) as Data[]).map((p) => String(p.display ?? p.username)).sort();

describe('room-routed plugins: the participants of one room on two proxies sharing Redis', { timeout: 120_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  let proxies: ProxyProcess[] = [];
  const clients = new TestClients();
  const closers: (() => Promise<void>)[] = [];
  const connect = (url: string): Promise<JanusTestClient> => clients.connect(url);

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(2, { plugins: ['audiobridge', 'textroom', 'streaming'] })]);
    // The Janus listed in opposite orders, so that on a tie the two proxies would pick different Janus.
    proxies = [
      ...(await startSharedStoreProxies(janus, redis, ['proxy-a'])),
      ...(await startSharedStoreProxies([...janus].reverse(), redis, ['proxy-b'])),
    ];
  });
  after(async () => {
    for (const close of closers.splice(0)) await close().catch(() => undefined);
    await clients.closeAll();
    for (const proxy of proxies) await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  /** The one Janus answering `probe` with data satisfying `has`, asked directly. */
  async function holderOf(plugin: string, probe: Data, has: (d: Data) => boolean): Promise<JanusInstance> {
    const found: JanusInstance[] = [];
    for (const j of janus) {
      const direct = await JanusTestClient.connect(j.wsUrl);
      try {
        if (has(await syncRequest(direct, await openHandle(direct, plugin), probe))) found.push(j);
      } finally {
        await direct.close();
      }
    }
    assert.equal(found.length, 1, `${plugin} ${JSON.stringify(probe)} on exactly one Janus`);
    return found[0]!;
  }

  it('a room or mountpoint Janus numbered, created through A, is usable through B the moment the client has its id', async () => {
    const [proxyA, proxyB] = proxies as [ProxyProcess, ProxyProcess];
    const [a, b] = [await connect(proxyA.url), await connect(proxyB.url)];
    const [bridgeA, streamA] = [await openHandle(a, AB), await openHandle(a, SP)];
    // Each round a fresh handle on B (one that has no backend yet), opened beforehand, names the new
    // room in an async request as soon as the create's reply is in.
    for (let i = 0; i < 15; i++) {
      const [bridgeB, streamB] = [await openHandle(b, AB), await openHandle(b, SP)];
      const room = (await syncRequest(a, bridgeA, { request: 'create' })).room as number;
      const joined = dataOf(await requestEvent(b, bridgeB, { request: 'join', room, display: `x${String(i)}` }));
      assert.equal(joined.audiobridge, 'joined', `round ${String(i)}: ${JSON.stringify(joined)}`);
      const made = await syncRequest(a, streamA, { request: 'create', type: 'rtp', media: [{ type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' }] });
      const id = (made.stream as Data).id as number;
      const watched = await requestEvent(b, streamB, { request: 'watch', id });
      assert.equal(dataOf(watched).error_code, undefined, `round ${String(i)}: ${JSON.stringify(dataOf(watched))}`);
      assert.ok(watched.jsep, 'an offer for the mountpoint');
    }
  });

  it('the first joins of a room every Janus has in its config, at once through both proxies, meet on one Janus', async () => {
    const [proxyA, proxyB] = proxies as [ProxyProcess, ProxyProcess];
    const [a, b] = [await connect(proxyA.url), await connect(proxyB.url)];
    const [atA, atB] = [await openHandle(a, AB), await openHandle(b, AB)];
    const since = a.mark();
    const room = 1234; // the stock AudioBridge config's room
    const [eventA, eventB] = await Promise.all([
      requestEvent(a, atA, { request: 'join', room, display: 'first-a' }),
      requestEvent(b, atB, { request: 'join', room, display: 'first-b' }),
    ]);
    const [joinedA, joinedB] = [dataOf(eventA), dataOf(eventB)];
    assert.equal(joinedA.audiobridge, 'joined', JSON.stringify(joinedA));
    assert.equal(joinedB.audiobridge, 'joined', JSON.stringify(joinedB));
    // Whoever came second was told of the first; the first hears of the second either way.
    if ((joinedB.participants as Data[]).length === 0) {
      assert.deepEqual(displays(joinedA.participants), ['first-b']);
    } else {
      assert.deepEqual(displays(joinedB.participants), ['first-a']);
      const heard = await pluginEvent(a, atA, (d) => Array.isArray(d.participants) && d.id === undefined, since);
      assert.deepEqual(displays(dataOf(heard).participants), ['first-b']);
    }
    const [listA, listB] = await Promise.all([syncRequest(a, atA, { request: 'listparticipants', room }), syncRequest(b, atB, { request: 'listparticipants', room })]);
    assert.deepEqual(displays(listA.participants), ['first-a', 'first-b']);
    assert.deepEqual(listA, listB);
    await Promise.all([requestEvent(a, atA, { request: 'leave' }), requestEvent(b, atB, { request: 'leave' })]);
  });

  it('AudioBridge: joins, leaves, hangups and destroy cross the proxies; both proxies list the same participants', async () => {
    const [proxyA, proxyB] = proxies as [ProxyProcess, ProxyProcess];
    const adminA = await connect(proxyA.url);
    const room = (await syncRequest(adminA, await openHandle(adminA, AB), { request: 'create' })).room as number;

    // alice on A, then bob on B (right after the create went through A), then carol on A.
    const members = new Map<string, { client: JanusTestClient; at: At; id: number }>();
    const join = async (name: string, url: string): Promise<Data> => {
      const client = await connect(url);
      const at = await openHandle(client, AB);
      const joined = dataOf(await requestEvent(client, at, { request: 'join', room, display: name }));
      assert.equal(joined.audiobridge, 'joined', JSON.stringify(joined));
      members.set(name, { client, at, id: joined.id as number });
      return joined;
    };
    const member = (name: string): { client: JanusTestClient; at: At; id: number } => members.get(name)!;

    await join('alice', proxyA.url);
    const aliceSince = member('alice').client.mark();
    const bobJoined = await join('bob', proxyB.url);
    assert.deepEqual(displays(bobJoined.participants), ['alice'], 'bob (B) is told alice (A) is there');
    const toAlice = dataOf(await pluginEvent(member('alice').client, member('alice').at, (d) => Array.isArray(d.participants), aliceSince));
    assert.equal(toAlice.room, room);
    assert.deepEqual(displays(toAlice.participants), ['bob'], 'alice (A) hears bob (B) join');

    const bobSince = member('bob').client.mark();
    const carolJoined = await join('carol', proxyA.url);
    assert.deepEqual(displays(carolJoined.participants), ['alice', 'bob']);
    const toBob = dataOf(await pluginEvent(member('bob').client, member('bob').at, (d) => Array.isArray(d.participants), bobSince));
    assert.deepEqual(displays(toBob.participants), ['carol'], 'bob (B) hears carol (A) join');

    const listFrom = async (name: string): Promise<Data> => syncRequest(member(name).client, member(name).at, { request: 'listparticipants', room });
    const [listA, listB] = await Promise.all([listFrom('alice'), listFrom('bob')]);
    assert.deepEqual(displays(listA.participants), ['alice', 'bob', 'carol']);
    assert.deepEqual(listA, listB, 'listparticipants answers the same from both proxies');

    // bob (B) sets up media, so that he can hang it up.
    const holder = await holderOf(AB, { request: 'exists', room }, (d) => d.exists === true);
    const bobPeer: EchoPeer = createEchoPeer({ iceAddress: holder.peerAddress, audio: true, video: false });
    closers.push(() => bobPeer.close());
    const configured = await requestEvent(member('bob').client, member('bob').at, { request: 'configure', muted: false }, await bobPeer.createOffer());
    await bobPeer.setAnswer(configured.jsep as { type: string; sdp: string });
    await bobPeer.waitForRtp(20, 20_000);

    // carol (A) leaves: bob (B) hears it.
    const bobBeforeLeave = member('bob').client.mark();
    const left = dataOf(await requestEvent(member('carol').client, member('carol').at, { request: 'leave' }));
    assert.equal(left.audiobridge, 'left', JSON.stringify(left));
    const carolLeft = dataOf(await pluginEvent(member('bob').client, member('bob').at, (d) => d.leaving === member('carol').id, bobBeforeLeave));
    assert.deepEqual(carolLeft, { audiobridge: 'event', room, leaving: member('carol').id });

    // bob (B) hangs up his PeerConnection: Janus takes him out of the room, alice (A) hears it.
    // (alice, on carol's proxy, hears carol leave too; she may hear it after this mark.)
    const aliceBeforeHangup = member('alice').client.mark();
    const hungUp = await member('bob').client.request({ janus: 'hangup', ...member('bob').at });
    assert.equal(hungUp.janus, 'success', JSON.stringify(hungUp));
    const bobLeft = dataOf(await pluginEvent(member('alice').client, member('alice').at, (d) => d.leaving === member('bob').id, aliceBeforeHangup));
    assert.deepEqual(bobLeft, { audiobridge: 'event', room, leaving: member('bob').id });
    const [afterA, afterB] = await Promise.all([listFrom('alice'), listFrom('bob')]);
    assert.deepEqual(displays(afterA.participants), ['alice']);
    assert.deepEqual(afterA, afterB);

    // destroy through B ends the room for alice on A, as Janus tells its participants.
    const adminB = await connect(proxyB.url);
    const atB = await openHandle(adminB, AB);
    const aliceBeforeDestroy = member('alice').client.mark();
    const destroyed = await syncRequest(adminB, atB, { request: 'destroy', room });
    assert.equal(destroyed.audiobridge, 'destroyed', JSON.stringify(destroyed));
    const toAliceDestroyed = dataOf(await pluginEvent(member('alice').client, member('alice').at, (d) => d.audiobridge === 'destroyed', aliceBeforeDestroy));
    assert.deepEqual(toAliceDestroyed, { audiobridge: 'destroyed', room });
    assert.equal((await syncRequest(adminA, await openHandle(adminA, AB), { request: 'exists', room })).exists, false, 'gone seen from A');
    assert.equal((await syncRequest(adminB, atB, { request: 'exists', room })).exists, false, 'gone seen from B');
  });

  it('TextRoom: users on two proxies hear each other\'s joins, messages and leaves; list and destroy from either proxy', async () => {
    const [proxyA, proxyB] = proxies as [ProxyProcess, ProxyProcess];
    const adminA = await connect(proxyA.url);
    const room = (await syncRequest(adminA, await openHandle(adminA, TR), { request: 'create' })).room as number;
    const holder = await holderOf(TR, { request: 'exists', room }, (d) => d.exists === true);

    const users = new Map<string, { client: JanusTestClient; at: At; peer: DataPeer }>();
    const user = (name: string): { client: JanusTestClient; at: At; peer: DataPeer } => users.get(name)!;
    for (const [name, url] of [['alice', proxyA.url], ['bob', proxyB.url]] as const) {
      const client = await connect(url);
      const at = await openHandle(client, TR);
      // Naming the room on the API before `setup` puts the handle on the room's Janus (as the demo's `exists` check does).
      assert.equal((await syncRequest(client, at, { request: 'exists', room })).exists, true, `${name} sees the room`);
      const offered = await requestEvent(client, at, { request: 'setup' });
      const peer = createDataPeer(holder.peerAddress);
      closers.push(() => peer.close());
      await requestEvent(client, at, { request: 'ack' }, await peer.answer(offered.jsep as { type: string; sdp: string }));
      await peer.open(20_000);
      peer.send({ textroom: 'join', transaction: `join-${name}`, room, username: name, display: name });
      const joined = await peer.waitFor((m) => m.transaction === `join-${name}`);
      assert.equal(joined.textroom, 'success', JSON.stringify(joined));
      users.set(name, { client, at, peer });
    }
    const seenJoin = await user('alice').peer.waitFor((m) => m.textroom === 'join' && m.username === 'bob');
    assert.deepEqual(seenJoin, { textroom: 'join', room, username: 'bob', display: 'bob' });

    user('alice').peer.send({ textroom: 'message', transaction: 'hi-bob', room, text: 'hello from proxy A' });
    const toBob = await user('bob').peer.waitFor((m) => m.textroom === 'message' && m.text === 'hello from proxy A');
    assert.equal(toBob.from, 'alice');
    user('bob').peer.send({ textroom: 'message', transaction: 'hi-alice', room, text: 'hello from proxy B' });
    const toAlice = await user('alice').peer.waitFor((m) => m.textroom === 'message' && m.text === 'hello from proxy B');
    assert.equal(toAlice.from, 'bob');

    const [listedA, listedB] = await Promise.all(['alice', 'bob'].map((n) => syncRequest(user(n).client, user(n).at, { request: 'listparticipants', room })));
    assert.deepEqual(displays(listedA?.participants), ['alice', 'bob']);
    assert.deepEqual(listedA, listedB, 'listparticipants answers the same from both proxies');
    const roomsFrom = async (n: string): Promise<Data[]> => ((await syncRequest(user(n).client, user(n).at, { request: 'list' })).list as Data[]).filter((r) => r.room === room);
    const [roomA, roomB] = await Promise.all([roomsFrom('alice'), roomsFrom('bob')]);
    assert.equal(roomA.length, 1, 'the room listed once');
    assert.equal(roomA[0]?.num_participants, 2);
    assert.deepEqual(roomA, roomB, 'list answers the same from both proxies');

    // bob (B) leaves over his data channel: alice (A) is told.
    user('bob').peer.send({ textroom: 'leave', transaction: 'bye', room });
    assert.equal((await user('bob').peer.waitFor((m) => m.transaction === 'bye')).textroom, 'success');
    assert.deepEqual(await user('alice').peer.waitFor((m) => m.textroom === 'leave' && m.username === 'bob'), { textroom: 'leave', room, username: 'bob' });

    // destroy through B (a fresh API handle there): alice (A) is told, and the room is gone for both proxies.
    const adminB = await connect(proxyB.url);
    const atB = await openHandle(adminB, TR);
    const destroyed = await syncRequest(adminB, atB, { request: 'destroy', room });
    assert.equal(destroyed.textroom, 'destroyed', JSON.stringify(destroyed));
    assert.deepEqual(await user('alice').peer.waitFor((m) => m.textroom === 'destroyed'), { textroom: 'destroyed', room });
    assert.equal((await syncRequest(adminA, await openHandle(adminA, TR), { request: 'exists', room })).exists, false, 'gone seen from A');
    assert.equal((await syncRequest(adminB, atB, { request: 'exists', room })).exists, false, 'gone seen from B');
  });

  it('TextRoom: rooms created through either proxy are reached by a user who names no room before `setup`', async () => {
    const [proxyA, proxyB] = proxies as [ProxyProcess, ProxyProcess];
    const rooms: number[] = [];
    // Rooms Janus numbers and rooms the client names, through each proxy.
    for (const [url, named] of [[proxyA.url, undefined], [proxyB.url, undefined], [proxyA.url, 7701], [proxyB.url, 7702]] as const) {
      const admin = await connect(url);
      const created = await syncRequest(admin, await openHandle(admin, TR), { request: 'create', ...(named === undefined ? {} : { room: named }) });
      assert.equal(created.textroom, 'created', JSON.stringify(created));
      rooms.push(created.room as number);
    }
    // As the official demo: attach, `setup` at once, then join over the data channel only.
    const client = await connect(proxyB.url);
    const at = await openHandle(client, TR);
    const offered = await requestEvent(client, at, { request: 'setup' });
    // A room-less TextRoom handle goes to the first Janus by name, on every proxy.
    const home = [...janus].sort((a, b) => a.name.localeCompare(b.name))[0]!;
    const peer = createDataPeer(home.peerAddress);
    closers.push(() => peer.close());
    await requestEvent(client, at, { request: 'ack' }, await peer.answer(offered.jsep as { type: string; sdp: string }));
    await peer.open(20_000);
    for (const room of rooms) {
      peer.send({ textroom: 'join', transaction: `join-${String(room)}`, room, username: 'carol' });
      const joined = await peer.waitFor((m) => m.transaction === `join-${String(room)}`);
      assert.equal(joined.textroom, 'success', `room ${String(room)}: ${JSON.stringify(joined)}`);
    }
  });

  it('Streaming: a mountpoint made through A is listed, described and watched through B, its packets in order; destroy through B stops A\'s viewer', async () => {
    const [proxyA, proxyB] = proxies as [ProxyProcess, ProxyProcess];
    const id = 5151;
    const port = 5700;
    const adminA = await connect(proxyA.url);
    const atA = await openHandle(adminA, SP);
    const created = await syncRequest(adminA, atA, {
      request: 'create', type: 'rtp', id, description: 'made on A', media: [{ type: 'audio', mid: 'a', port, pt: 111, codec: 'opus' }],
    });
    assert.equal(created.streaming, 'created', JSON.stringify(created));
    const holder = await holderOf(SP, { request: 'info', id }, (d) => d.streaming === 'info');

    const adminB = await connect(proxyB.url);
    const atB = await openHandle(adminB, SP);
    const listed = ((await syncRequest(adminB, atB, { request: 'list' })).list as Data[]).filter((m) => m.id === id);
    assert.equal(listed.length, 1, 'listed once through B');
    assert.equal(listed[0]?.description, 'made on A');
    const [infoA, infoB] = await Promise.all([syncRequest(adminA, atA, { request: 'info', id }), syncRequest(adminB, atB, { request: 'info', id })]);
    assert.equal(infoB.streaming, 'info', JSON.stringify(infoB));
    const ageless = (d: Data): unknown => JSON.parse(JSON.stringify(d, (k, v: unknown) => (k === 'age_ms' ? undefined : v)));
    assert.deepEqual(ageless(infoB), ageless(infoA), 'info answers the same from both proxies (but for the age of the last packet)');

    // The feed: opus-looking packets, each carrying its own counter after the payload, sent to the holder.
    const socket: Socket = createSocket('udp4');
    closers.push(() => new Promise((resolve) => { socket.close(() => { resolve(); }); }));
    let sent = 0;
    const feed = setInterval(() => {
      const header = Buffer.alloc(12);
      header[0] = 0x80;
      header[1] = 111;
      header.writeUInt16BE(sent & 0xffff, 2);
      header.writeUInt32BE((sent * 960) >>> 0, 4);
      header.writeUInt32BE(0x5151abcd, 8);
      const tag = Buffer.alloc(4);
      tag.writeUInt32BE(sent);
      socket.send(Buffer.concat([header, Buffer.from([0xf8, 0xff, 0xfe]), tag]), port, holder.host);
      sent++;
    }, 20);
    closers.push(() => { clearInterval(feed); return Promise.resolve(); });

    type Viewer = { client: JanusTestClient; at: At; peer: SubscriberPeer; got: { tag: number; seq: number }[] };
    const watch = async (url: string): Promise<Viewer> => {
      const client = await connect(url);
      const at = await openHandle(client, SP);
      const offered = await requestEvent(client, at, { request: 'watch', id });
      assert.ok(offered.jsep, JSON.stringify(offered));
      const peer = createSubscriberPeer({ iceAddress: holder.peerAddress });
      closers.push(() => peer.close());
      const got: { tag: number; seq: number }[] = [];
      peer.pc.onTrack.subscribe((track) => {
        track.onReceiveRtp.subscribe((rtp) => {
          if (rtp.payload.length >= 7) got.push({ tag: rtp.payload.readUInt32BE(rtp.payload.length - 4), seq: rtp.header.sequenceNumber });
        });
      });
      const started = await requestEvent(client, at, { request: 'start' }, await peer.answer(offered.jsep as { type: string; sdp: string }));
      assert.equal((dataOf(started).result as Data | undefined)?.status, 'starting', JSON.stringify(started));
      return { client, at, peer, got };
    };
    const viewerB = await watch(proxyB.url);
    const viewerA = await watch(proxyA.url);
    await Promise.all([viewerA.peer.waitForRtp(30, 20_000), viewerB.peer.waitForRtp(30, 20_000)]);
    for (const [name, v] of [['A', viewerA], ['B', viewerB]] as const) {
      assert.ok(v.got.length >= 30, `viewer on ${name} read ${String(v.got.length)} tagged packets`);
      for (let i = 1; i < v.got.length; i++) {
        const [prev, cur] = [v.got[i - 1]!, v.got[i]!];
        assert.ok(cur.tag > prev.tag, `viewer on ${name}: packets in the order sent`);
        assert.equal((cur.seq - prev.seq + 0x10000) & 0xffff, cur.tag - prev.tag, `viewer on ${name}: sequence numbers follow the feed`);
      }
    }

    // destroy through B: the viewer on A is stopped as Janus stops it (event, then its PeerConnection closed).
    const sinceA = viewerA.client.mark();
    const destroyed = await syncRequest(adminB, atB, { request: 'destroy', id });
    assert.deepEqual(destroyed, { streaming: 'destroyed', destroyed: id });
    const stopped = await pluginEvent(viewerA.client, viewerA.at, (d) => (d.result as Data | undefined)?.status === 'stopped', sinceA);
    assert.deepEqual(dataOf(stopped), { streaming: 'event', result: { status: 'stopped' } });
    await viewerA.client.waitFor((m) => m.janus === 'hangup' && m.sender === viewerA.at.handle_id, 10_000, sinceA);
    const gone = await Promise.all([syncRequest(adminA, atA, { request: 'info', id }), syncRequest(adminB, atB, { request: 'info', id })]);
    for (const reply of gone) assert.equal(reply.error_code, 455, `no such mountpoint: ${JSON.stringify(reply)}`);
  });
});
