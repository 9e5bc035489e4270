// Pass-through routing rules against two real Janus hosts (network namespaces, real media):
// AudioBridge rooms follow their backend (`room`), `list` is the cluster's union, Streaming viewers
// reach a mountpoint created through the proxy, TextRoom clients meet over data channels, and the
// `any` plugins (SIP, NoSIP, RecordPlay, VoiceMail) answer as Janus does.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { createSubscriberPeer, type SubscriberPeer } from '../support/werift-peer.js';
import { createDataPeer, type DataPeer } from '../support/werift-data.js';
import { createPcmuPeer, type PcmuPeer } from '../support/werift-pcmu.js';
import { handleCounts, onlySpareSessionsLeft } from '../support/cluster-helpers.js';
import { pollUntil } from '../support/processes.js';

type Data = Record<string, unknown>;
type At = { session_id: number; handle_id: number };

function dataOf(m: JanusMessage): Data {
  return ((m.plugindata as { data?: Data } | undefined)?.data) ?? {};
}

async function open(client: JanusTestClient, plugin: string): Promise<At> {
  const session = await client.createSession();
  return { session_id: session, handle_id: await client.attach(session, plugin) };
}

async function sync(client: JanusTestClient, at: At, body: Data): Promise<Data> {
  const reply = await client.request({ janus: 'message', ...at, body });
  assert.equal(reply.janus, 'success', JSON.stringify(reply));
  return dataOf(reply);
}

async function withEvent(client: JanusTestClient, at: At, body: Data, jsep?: Data): Promise<JanusMessage> {
  const { event } = await client.requestWithEvent({ janus: 'message', ...at, body, ...(jsep ? { jsep } : {}) });
  return event;
}

/** Indexes of the Janus servers answering `probe` with data satisfying `has`. */
async function holders(janus: readonly JanusInstance[], plugin: string, probe: Data, has: (d: Data) => boolean): Promise<number[]> {
  const out: number[] = [];
  for (const [i, j] of janus.entries()) {
    const client = await JanusTestClient.connect(j.wsUrl);
    try {
      if (has(await sync(client, await open(client, plugin), probe))) out.push(i);
    } finally {
      await client.close();
    }
  }
  return out;
}

/** One Janus answer (sync data, or the async event's data) for `body`, with the `any` rule's verbatim relay in mind. */
async function answer(client: JanusTestClient, at: At, body: Data): Promise<Data> {
  const since = client.mark();
  const reply = await client.request({ janus: 'message', ...at, body });
  if (reply.janus === 'success') return dataOf(reply);
  assert.equal(reply.janus, 'ack', JSON.stringify(reply));
  return dataOf(await client.waitFor((m) => m.transaction === reply.transaction && m.janus === 'event', 10_000, since));
}

const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);
/** A tone's peak (16-bit scale) and what counts as silence once mixed and µ-law coded. */
const TONE_AMPLITUDE = 8000;
const SILENCE_RMS = 100;

function rtpPacket(seq: number, ts: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = 111;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE(ts >>> 0, 4);
  header.writeUInt32BE(0x1234abcd, 8);
  return Buffer.concat([header, OPUS_SILENCE]);
}

describe('pass-through routing rules on two real Janus servers', () => {
  let janus: JanusInstance[];
  let proxy: TestProxy;
  const clients: JanusTestClient[] = [];
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    janus = await startJanusCluster(2, { plugins: ['audiobridge', 'streaming', 'textroom', 'sip', 'nosip', 'recordplay', 'voicemail'] });
    proxy = await startTestProxy(janus, { backends: { select: 'round_robin' } });
  });
  after(async () => {
    for (const close of closers) await close().catch(() => undefined);
    await Promise.all(clients.map((c) => c.close()));
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  async function connect(): Promise<JanusTestClient> {
    const client = await JanusTestClient.connect(proxy.url);
    clients.push(client);
    return client;
  }

  const AB = 'janus.plugin.audiobridge';
  let roomA = 0;
  let roomB = 0;
  let backendA = -1;

  it('AudioBridge: rooms created through the proxy spread over both backends; list shows each once', async () => {
    const c1 = await connect();
    const c2 = await connect();
    const created1 = await sync(c1, await open(c1, AB), { request: 'create' });
    const created2 = await sync(c2, await open(c2, AB), { request: 'create' });
    assert.equal(created1.audiobridge, 'created');
    roomA = created1.room as number;
    roomB = created2.room as number;
    const onA = await holders(janus, AB, { request: 'exists', room: roomA }, (d) => d.exists === true);
    const onB = await holders(janus, AB, { request: 'exists', room: roomB }, (d) => d.exists === true);
    assert.equal(onA.length, 1);
    assert.equal(onB.length, 1);
    assert.notEqual(onA[0], onB[0], 'the two rooms should be on different backends');
    backendA = onA[0] ?? -1;

    const list = await sync(c1, await open(c1, AB), { request: 'list' });
    const rooms = (list.list as Data[]).map((r) => r.room);
    assert.ok(rooms.includes(roomA) && rooms.includes(roomB), JSON.stringify(rooms));
    assert.equal(new Set(rooms).size, rooms.length, `duplicates in ${JSON.stringify(rooms)}`);
    // The sample config's room 1234 exists on both backends: listed once.
    assert.equal(rooms.filter((r) => r === 1234).length, 1);
  });

  it('AudioBridge: alice\'s tone reaches bob through the mix, bob\'s silence reaches alice; room requests follow the room', async () => {
    const iceAddress = janus[backendA]?.peerAddress;
    const peers: PcmuPeer[] = [];
    const handles: { client: JanusTestClient; at: At }[] = [];
    // G.711 µ-law participants: what each hears can be decoded. Alice sends a 440 Hz tone, bob silence.
    for (const [name, amplitude] of [['alice', TONE_AMPLITUDE], ['bob', 0]] as const) {
      const client = await connect();
      const at = await open(client, AB);
      const joined = await withEvent(client, at, { request: 'join', room: roomA, display: name, codec: 'pcmu' });
      assert.equal(dataOf(joined).audiobridge, 'joined', JSON.stringify(joined));
      const peer = createPcmuPeer({ iceAddress, amplitude });
      peers.push(peer);
      closers.push(() => peer.close());
      const event = await withEvent(client, at, { request: 'configure', muted: false }, await peer.createOffer());
      await peer.setAnswer(event.jsep as { type: string; sdp: string });
      handles.push({ client, at });
    }
    const [alice, bob] = peers;
    // The mix sent to a participant leaves out its own voice: bob hears the tone, alice hears silence.
    await bob!.waitForLoud(25, TONE_AMPLITUDE / 4, 20_000);
    await alice!.waitForQuiet(25, SILENCE_RMS, 20_000);

    // A handle whose backend is the other one: sync requests about room A still reach room A's backend.
    const other = await connect();
    const otherAt = await open(other, AB);
    await sync(other, otherAt, { request: 'exists', room: roomB });
    const participants = await sync(other, otherAt, { request: 'listparticipants', room: roomA });
    assert.equal((participants.participants as Data[]).length, 2, JSON.stringify(participants));
    const aliceId = (participants.participants as Data[]).find((p) => p.display === 'alice')?.id;
    const muted = await sync(other, otherAt, { request: 'mute', room: roomA, id: aliceId });
    assert.equal(muted.audiobridge, 'success', JSON.stringify(muted));
    // Detaching it detaches its own backend handle and its side handle on room A's backend.
    const before = await handleCounts(janus);
    const detached = await other.request({ janus: 'detach', ...otherAt });
    assert.equal(detached.janus, 'success');
    const after = await handleCounts(janus);
    assert.deepEqual(after.map((n, i) => (before[i] ?? 0) - n), [1, 1]);

    // changeroom to a room on the other backend: a clear AudioBridge error, the participant stays.
    const first = handles[0];
    assert.ok(first);
    const changed = await withEvent(first.client, first.at, { request: 'changeroom', room: roomB });
    assert.equal(dataOf(changed).error_code, 499, JSON.stringify(changed));
    assert.match(String(dataOf(changed).error), /another Janus server/);
  });

  it('AudioBridge: rtp_forward, listforwarders, stop_rtp_forward, enable_recording and play_file run on the room\'s backend', async () => {
    const client = await connect();
    const at = await open(client, AB);
    assert.equal((await sync(client, at, { request: 'exists', room: roomB })).exists, true, 'pins this handle to room B\'s backend');
    const direct = await JanusTestClient.connect(janus[backendA]?.wsUrl ?? '');
    closers.push(() => direct.close());
    const onA = await open(direct, AB);

    const forwarded = await sync(client, at, { request: 'rtp_forward', room: roomA, host: '127.0.0.1', port: 5004 });
    assert.equal(forwarded.audiobridge, 'success', JSON.stringify(forwarded));
    const streamId = forwarded.stream_id as number;
    const listed = await sync(direct, onA, { request: 'listforwarders', room: roomA });
    assert.deepEqual((listed.rtp_forwarders as Data[]).map((f) => f.stream_id), [streamId], 'the forwarder is on room A\'s Janus');
    assert.deepEqual(
      ((await sync(client, at, { request: 'listforwarders', room: roomA })).rtp_forwarders as Data[]).map((f) => f.stream_id), [streamId]);
    assert.equal((await sync(client, at, { request: 'stop_rtp_forward', room: roomA, stream_id: streamId })).audiobridge, 'success');
    assert.deepEqual((await sync(direct, onA, { request: 'listforwarders', room: roomA })).rtp_forwarders, []);

    const recording = await sync(client, at, { request: 'enable_recording', room: roomA, record: true });
    const expected = await sync(direct, onA, { request: 'enable_recording', room: roomA, record: true });
    assert.deepEqual(recording, expected, 'answered by room A\'s Janus, as it answers directly');
    const played = await sync(client, at, { request: 'play_file', room: roomA, file_id: 'f1', filename: '/nonexistent/file.opus' });
    const playedDirect = await sync(direct, onA, { request: 'play_file', room: roomA, file_id: 'f2', filename: '/nonexistent/file.opus' });
    assert.deepEqual({ ...played, file_id: undefined }, { ...playedDirect, file_id: undefined });
  });

  it('Streaming: an RTP mountpoint created through the proxy reaches a werift viewer', async () => {
    const SP = 'janus.plugin.streaming';
    const admin = await connect();
    const id = 4242;
    const port = 5600;
    const created = await sync(admin, await open(admin, SP), {
      request: 'create', type: 'rtp', id, description: 'test feed', media: [{ type: 'audio', mid: 'a', port, pt: 111, codec: 'opus' }],
    });
    assert.equal(created.streaming, 'created', JSON.stringify(created));
    const [index] = await holders(janus, SP, { request: 'info', id }, (d) => d.streaming === 'info');
    assert.ok(index !== undefined);
    const host = janus[index];
    assert.ok(host);

    const viewer = await connect();
    const at = await open(viewer, SP);
    const offered = await withEvent(viewer, at, { request: 'watch', id });
    assert.ok(offered.jsep, JSON.stringify(offered));
    const peer: SubscriberPeer = createSubscriberPeer({ iceAddress: host.peerAddress });
    closers.push(() => peer.close());
    const answerJsep = await peer.answer(offered.jsep as { type: string; sdp: string });
    await withEvent(viewer, at, { request: 'start' }, answerJsep);

    const socket = createSocket('udp4');
    closers.push(() => new Promise((resolve) => { socket.close(() => { resolve(); }); }));
    let seq = 0;
    const timer = setInterval(() => { socket.send(rtpPacket(seq, seq * 960), port, host.host); seq++; }, 20);
    closers.push(() => { clearInterval(timer); return Promise.resolve(); });
    await peer.waitForRtp(20, 20_000);

    const list = await sync(admin, await open(admin, SP), { request: 'list' });
    const ids = (list.list as Data[]).map((m) => m.id);
    assert.ok(ids.includes(id));
    assert.equal(new Set(ids).size, ids.length, `duplicates in ${JSON.stringify(ids)}`);
  });

  it('TextRoom: two clients exchange a message over data channels', async () => {
    const TR = 'janus.plugin.textroom';
    const alice = await connect();
    const aliceAt = await open(alice, TR);
    const created = await sync(alice, aliceAt, { request: 'create' });
    const room = created.room as number;
    const [index] = await holders(janus, TR, { request: 'exists', room }, (d) => d.exists === true);
    assert.ok(index !== undefined);
    const iceAddress = janus[index]?.peerAddress;

    const bob = await connect();
    const bobAt = await open(bob, TR);
    // Naming the room on the API before `setup` pins bob's handle to the room's backend.
    assert.equal((await sync(bob, bobAt, { request: 'exists', room })).exists, true);

    const peers: DataPeer[] = [];
    for (const [client, at, name] of [[alice, aliceAt, 'alice'], [bob, bobAt, 'bob']] as const) {
      const offered = await withEvent(client, at, { request: 'setup' });
      const peer = createDataPeer(iceAddress);
      closers.push(() => peer.close());
      const jsep = await peer.answer(offered.jsep as { type: string; sdp: string });
      await withEvent(client, at, { request: 'ack' }, jsep);
      await peer.open();
      peer.send({ textroom: 'join', transaction: `join-${name}`, room, username: name });
      await peer.waitFor((m) => m.transaction === `join-${name}` && m.textroom === 'success');
      peers.push(peer);
    }
    peers[0]?.send({ textroom: 'message', transaction: 'say', room, text: 'hello through the proxy' });
    const heard = await peers[1]?.waitFor((m) => m.textroom === 'message' && m.text === 'hello through the proxy');
    assert.equal(heard?.from, 'alice');
  });

  it('SIP, NoSIP, RecordPlay, VoiceMail: requests route and answer as on Janus', async () => {
    const cases: [string, Data][] = [
      ['janus.plugin.sip', { request: 'register' }],
      ['janus.plugin.sip', { request: 'list' }],
      ['janus.plugin.nosip', { request: 'generate' }],
      ['janus.plugin.recordplay', { request: 'list' }],
      ['janus.plugin.voicemail', { request: 'record' }],
    ];
    const viaProxy = await connect();
    const direct = await JanusTestClient.connect(janus[0]?.wsUrl ?? '');
    closers.push(() => direct.close());
    for (const [plugin, body] of cases) {
      const got = await answer(viaProxy, await open(viaProxy, plugin), body);
      const expected = await answer(direct, await open(direct, plugin), body);
      assert.deepEqual(got, expected, `${plugin} ${JSON.stringify(body)}`);
    }
  });

  it('leaves nothing behind on the backends once the clients are gone', async () => {
    for (const close of closers.splice(0)) await close().catch(() => undefined);
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const j of janus) await pollUntil(`${j.name} to hold only spare sessions`, async () => ((await onlySpareSessionsLeft(j)) ? true : undefined), 10_000);
  });
});
