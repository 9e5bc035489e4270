// The REST admin API's GET /rooms in front of two real Janus servers: a VideoRoom room the proxy
// spreads over backends, with each participant and the backend it joined; AudioBridge and TextRoom
// rooms as the backends list them (the config-file rooms exist on both), each AudioBridge participant
// with the Janus it is on, checked against that Janus's own Admin API.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { adminRequest, JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';
import { dataOf, openHandle, requestEvent, syncRequest } from '../support/plugin-messages.js';

const VIDEOROOM = 'janus.plugin.videoroom';
const AUDIOBRIDGE = 'janus.plugin.audiobridge';
const TEXTROOM = 'janus.plugin.textroom';
const ROOM = 4242;

type Participant = { id: unknown; display?: string | null; backend: string; publishing?: boolean };
type Room = { plugin: string; room: number | string; description: string; backends: string[]; participants: Participant[] };
type Listing = { rooms: Room[]; errors: Record<string, string> };

describe('GET /rooms lists the cluster\'s rooms with their participants and where each is', { timeout: 120_000 }, () => {
  let janus: JanusInstance[];
  let proxy: TestProxy;
  let rest: AdminClient;
  const clients: JanusTestClient[] = [];

  async function joined(plugin: string, body: Record<string, unknown>): Promise<void> {
    const client = await JanusTestClient.connect(proxy.url);
    clients.push(client);
    const at = await openHandle(client, plugin);
    const event = await requestEvent(client, at, body);
    assert.equal(dataOf(event)[plugin === VIDEOROOM ? 'videoroom' : 'audiobridge'], 'joined', JSON.stringify(event));
  }

  before(async () => {
    janus = await startJanusCluster(2, { plugins: ['videoroom', 'audiobridge', 'textroom'] });
    proxy = await startTestProxy(janus, {
      janus_server: janus.map((j) => ({ name: j.name, url: j.wsUrl, admin_url: j.adminWsUrl, admin_secret: j.adminSecret })),
    });
    rest = new AdminClient(proxy.adminUrl ?? '', TEST_ADMIN_TOKEN);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  it('VideoRoom, AudioBridge and TextRoom rooms with their participants and backends', async () => {
    const owner = await JanusTestClient.connect(proxy.url);
    clients.push(owner);
    const at = await openHandle(owner, VIDEOROOM);
    assert.equal((await syncRequest(owner, at, { request: 'create', room: ROOM, description: 'ops room' })).videoroom, 'created');
    await joined(VIDEOROOM, { request: 'join', ptype: 'publisher', room: ROOM, display: 'alice' });
    await joined(VIDEOROOM, { request: 'join', ptype: 'publisher', room: ROOM, display: 'bob' });
    await joined(AUDIOBRIDGE, { request: 'join', room: 1234, display: 'carol' });

    const listing = await rest.ok<Listing>('GET', '/rooms');
    assert.deepEqual(listing.errors, {});
    const names = janus.map((j) => j.name).sort();
    const video = listing.rooms.find((r) => r.plugin === VIDEOROOM && r.room === ROOM);
    assert.equal(video?.description, 'ops room');
    assert.deepEqual(video.participants.map((p) => p.display).sort(), ['alice', 'bob']);
    for (const p of video.participants) {
      assert.ok(video.backends.includes(p.backend), `${String(p.display)} on ${p.backend}`);
      assert.equal(p.publishing, false);
    }

    const audio = listing.rooms.find((r) => r.plugin === AUDIOBRIDGE && r.room === 1234);
    assert.deepEqual(audio?.backends, names);
    assert.equal(audio.participants.length, 1);
    const carol = audio.participants[0]!;
    assert.equal(carol.display, 'carol');
    // Where the proxy says carol is, that Janus lists her itself.
    const there = janus.find((j) => j.name === carol.backend)!;
    const own = await adminRequest(there.adminWsUrl, there.adminSecret, { janus: 'message_plugin', plugin: AUDIOBRIDGE, request: { request: 'listparticipants', room: 1234 } });
    const listed = ((own.response as { participants: { id: unknown; display: string }[] }).participants);
    assert.deepEqual(listed.map((p) => [p.id, p.display]), [[carol.id, 'carol']]);

    const text = listing.rooms.find((r) => r.plugin === TEXTROOM && r.room === 1234);
    assert.deepEqual(text?.backends, names);
    assert.deepEqual(text.participants, []);

    const onlyAudio = await rest.ok<Listing>('GET', `/rooms?plugin=${AUDIOBRIDGE}`);
    assert.ok(onlyAudio.rooms.length > 0 && onlyAudio.rooms.every((r) => r.plugin === AUDIOBRIDGE));
    assert.equal((await rest.request('GET', '/rooms', undefined, { token: null })).status, 401);
  });
});
