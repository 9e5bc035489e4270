// The idle room sweeper against a real Janus that requires an api_secret: it destroys videoroom and
// audiobridge rooms that carry the marker and have had no participant for the idle time — even
// though they are secret-protected (it has the cluster's backend room secret) — and leaves
// unmarked rooms, occupied rooms (subscribers of remote publishers included) and rooms it cannot
// unlock alone.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ReportReceiver } from '../support/report-receiver.js';
import { startTestSentinel, JANUS_ADMIN_SECRET, type TestSentinel } from '../support/sentinel-fixture.js';
import { JanusTestClient, adminRequest } from '../support/janus-client.js';
import { untilListed } from '../../src/plugins/videoroom/mirrors.js';

const PROXY_TOKEN = 'proxy-sentinel-token';
const API_SECRET = 'janusrocks';
const ROOM_SECRET = 'cluster-room-secret';
const IDLE_MS = 60_000;

type PluginData = { plugindata?: { data?: Record<string, unknown> } };

describe('sentinel idle room sweeper', () => {
  let receiver: ReportReceiver;
  let t: TestSentinel;
  let client: JanusTestClient;
  let session: number;
  const handles: Record<'videoroom' | 'audiobridge', number> = { videoroom: 0, audiobridge: 0 };

  const sync = async (plugin: keyof typeof handles, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const reply = (await client.request({ janus: 'message', session_id: session, handle_id: handles[plugin], body })) as PluginData;
    return reply.plugindata?.data ?? {};
  };
  const create = (plugin: keyof typeof handles, room: number, description: string, secret = ROOM_SECRET): Promise<Record<string, unknown>> =>
    sync(plugin, { request: 'create', room, description, secret });
  const rooms = async (plugin: keyof typeof handles): Promise<number[]> =>
    ((await sync(plugin, { request: 'list' })).list as { room: number }[]).map((r) => r.room).sort((a, b) => a - b);
  /** A second handle that joins the room as a participant (no media needed). */
  const join = async (plugin: keyof typeof handles, room: number): Promise<number> => {
    const handle = await client.attach(session, plugin);
    const body = plugin === 'videoroom' ? { request: 'join', ptype: 'publisher', room, display: 'someone' } : { request: 'join', room, display: 'someone' };
    const { event } = await client.requestWithEvent({ janus: 'message', session_id: session, handle_id: handle, body });
    assert.ok((event as PluginData).plugindata?.data?.error_code === undefined, JSON.stringify(event));
    return handle;
  };

  before(async () => {
    receiver = await ReportReceiver.start(PROXY_TOKEN);
    t = await startTestSentinel({
      proxies: [{ url: receiver.url, token: PROXY_TOKEN }],
      plugins: ['videoroom', 'audiobridge'],
      apiSecret: API_SECRET,
      // The timer is slow on purpose: the test sweeps itself, at chosen times.
      config: { sweeper: { enabled: true, interval_ms: 600_000, idle_timeout_ms: IDLE_MS, room_secret: ROOM_SECRET } },
    });
    await receiver.waitFor((r) => r.status === 'up', 10_000);
    client = await JanusTestClient.connect(t.janus.wsUrl, 'janus-protocol', { apisecret: API_SECRET });
    session = await client.createSession();
    handles.videoroom = await client.attach(session, 'videoroom');
    handles.audiobridge = await client.attach(session, 'audiobridge');
  });
  after(async () => {
    await client.close();
    await t.stop({ drain: false });
    await receiver.close();
  });

  it('destroys idle marked rooms after the idle time, and only those', async () => {
    await create('videoroom', 9101, 'janus-cloud:idle');
    await create('videoroom', 9102, 'someone else\'s room');
    await create('videoroom', 9103, 'janus-cloud:occupied');
    await create('videoroom', 9104, 'janus-cloud:foreign secret', 'not-the-cluster-secret');
    await create('audiobridge', 9201, 'janus-cloud:idle');
    await create('audiobridge', 9202, 'janus-cloud:occupied');
    const occupant = await join('videoroom', 9103);
    await join('audiobridge', 9202);
    const start = Date.now();

    const first = await t.sentinel.sweepRooms(start);
    assert.deepEqual(first.destroyed, [], 'nothing is destroyed the first time it is seen idle');
    assert.deepEqual(first.idle.map((r) => r.room).sort(), [9101, 9104, 9201]);

    const early = await t.sentinel.sweepRooms(start + IDLE_MS - 1);
    assert.deepEqual(early.destroyed, []);

    const due = await t.sentinel.sweepRooms(start + IDLE_MS);
    assert.deepEqual(due.destroyed.map((r) => `${r.plugin}:${String(r.room)}`).sort(), ['audiobridge:9201', 'videoroom:9101']);
    const videorooms = await rooms('videoroom');
    assert.deepEqual(videorooms.filter((r) => r > 9100), [9102, 9103, 9104], 'unmarked, occupied and foreign-secret rooms stay');
    assert.deepEqual((await rooms('audiobridge')).filter((r) => r > 9200), [9202]);

    // The occupant leaves: the room becomes idle from the next sweep on and goes one idle time later.
    await client.request({ janus: 'detach', session_id: session, handle_id: occupant });
    const later = start + IDLE_MS + 1_000;
    assert.deepEqual((await t.sentinel.sweepRooms(later)).destroyed.filter((r) => r.room === 9103), []);
    assert.equal((await t.sentinel.sweepRooms(later + IDLE_MS)).destroyed.filter((r) => r.room === 9103).length, 1);
  });

  it('keeps a marked room whose publishers are all remote while a subscriber is in it (Admin API handle_info)', async () => {
    const room = 9105;
    await create('videoroom', room, 'janus-cloud:mirror');
    // A mirror of a publisher on another Janus, as the proxy's cascade makes one, and a subscriber to it.
    const added = await sync('videoroom', {
      request: 'add_remote_publisher', room, secret: ROOM_SECRET, id: 777, iface: '127.0.0.1',
      streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'opus' }],
    });
    assert.equal(added.videoroom, 'success', JSON.stringify(added));
    const subscriber = await client.attach(session, 'videoroom');
    // As the proxy does: Janus lets subscribers in only once it lists the copy (see untilListed).
    await untilListed((body) => sync('videoroom', body), room, 777);
    const { event } = await client.requestWithEvent({
      janus: 'message', session_id: session, handle_id: subscriber, body: { request: 'join', ptype: 'subscriber', room, streams: [{ feed: 777 }] },
    });
    assert.equal((event as PluginData).plugindata?.data?.videoroom, 'attached', JSON.stringify(event));

    const start = Date.now() + 10 * IDLE_MS; // after the sweeps of the test above
    assert.deepEqual((await t.sentinel.sweepRooms(start)).idle.filter((r) => r.room === room).length, 1, 'no real participant: looks idle');
    assert.deepEqual((await t.sentinel.sweepRooms(start + IDLE_MS)).destroyed.filter((r) => r.room === room), [], 'the subscriber keeps it');
    assert.ok((await rooms('videoroom')).includes(room));

    // The subscriber leaves: one idle time later the room goes.
    await client.request({ janus: 'detach', session_id: session, handle_id: subscriber });
    assert.deepEqual((await t.sentinel.sweepRooms(start + 2 * IDLE_MS)).destroyed.filter((r) => r.room === room), []);
    assert.equal((await t.sentinel.sweepRooms(start + 3 * IDLE_MS)).destroyed.filter((r) => r.room === room).length, 1);
  });

  it('leaves no Janus session of its own behind', async () => {
    await t.sentinel.sweepRooms();
    const sessions = await adminRequest(t.janus.adminWsUrl, JANUS_ADMIN_SECRET, { janus: 'list_sessions' });
    assert.deepEqual(sessions.sessions, [session]);
  });
});
