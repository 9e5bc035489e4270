// One VideoRoom served by two proxies at once: two proxy processes sharing a real Redis in front of
// two real Janus on the test LAN (so remote publishers carry media). Publishers join one after the
// other through different proxies and land on different Janus: each sees the other, a subscriber on
// each proxy receives both feeds' RTP, `listparticipants` is the same from both proxies, the joining
// and leaving of a participant who does not publish (which only the proxy can tell the other
// backend) reaches the other proxy's member, and `destroy` through one proxy ends the room on both
// Janus and in the other proxy's cached copy (the change feed).
// Joins at the same moment through several proxies: videoroom-multi-proxy-concurrent.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { JanusInstance } from '../support/janus-fixture.js';
import type { JanusTestClient } from '../support/janus-client.js';
import { startRoomCluster, type RoomCluster } from '../support/room-cluster.js';
import type { ProxyProcess } from '../support/proxy-process.js';
import type { TestClients } from '../support/shared-store-proxies.js';
import { publishWerift, subscribeWerift, videoRoomHandle, type Data, type Publisher } from '../support/videoroom-direct.js';
import { JanusInspector, originOf } from '../support/videoroom-inspect.js';
import { pollUntil } from '../support/processes.js';

const ROOM = 6262;
const TIMEOUT_MS = 20_000;

describe('one VideoRoom, two proxies, two Janus', { timeout: 180_000 }, () => {
  let cluster: RoomCluster | undefined;
  let janus: JanusInstance[] = [];
  let proxies: ProxyProcess[] = [];
  let inspectors: JanusInspector[] = [];
  let clients: TestClients;
  let peers: { close(): Promise<void> }[] = [];
  let ice = '';

  before(async () => {
    cluster = await startRoomCluster(2);
    ({ janus, proxies, inspectors, clients, peers } = cluster);
    ice = janus[0]!.lan!.rootAddress;
  });
  after(async () => {
    await cluster?.stop();
  });

  const via = (i: number): Promise<JanusTestClient> => clients.connect(proxies[i]!.url);

  async function publisher(proxy: number, display: string): Promise<Publisher> {
    const pub = await publishWerift(await via(proxy), ROOM, { iceAddress: ice, display });
    peers.push(pub.peer);
    return pub;
  }

  it('publishers through different proxies on different Janus see each other; every subscriber gets every feed', async () => {
    const ctl = await videoRoomHandle(await via(0));
    const created = await ctl.sync({ request: 'create', room: ROOM, publishers: 10, publishers_per_backend: 1, notify_joining: true });
    assert.equal(created.videoroom, 'created', JSON.stringify(created));
    const alice = await publisher(0, 'alice');
    const bob = await publisher(1, 'bob');
    const origins = await Promise.all([alice, bob].map((p) => originOf(inspectors, ROOM, p.id)));
    assert.deepEqual([...origins].sort(), [0, 1], `one publisher per Janus: ${JSON.stringify(origins)}`);
    // Each Janus holds the other's publisher as its one remote publisher (mirrored exactly once).
    for (const [i, inspector] of inspectors.entries()) {
      const other = origins[0] === i ? bob : alice;
      const view = await pollUntil(`the mirror on Janus ${String(i)}`, async () => {
        const v = await inspector.room(ROOM);
        return v && v.remote.length > 0 ? v : undefined;
      }, TIMEOUT_MS);
      assert.deepEqual(view.remote.map((p) => p.id), [other.id]);
    }
    // Alice (proxy A) learns about bob, who joined through proxy B, and the other way round.
    for (const [p, other] of [[alice, bob], [bob, alice]] as const) {
      const announced = (d: Data): boolean => Array.isArray(d.publishers) && (d.publishers as Data[]).some((e) => e.id === other.id);
      if (!announced(p.joined)) await p.handle.waitEvent(announced, TIMEOUT_MS, 0);
    }
    for (const proxy of [0, 1]) {
      const sub = await subscribeWerift(await via(proxy), ROOM, [alice, bob].map((p) => ({ feed: p.id })), { iceAddress: ice });
      peers.push(sub.peer);
      assert.equal((sub.attached.streams as Data[]).length, 4);
      await sub.peer.waitForRtp(20, TIMEOUT_MS);
      assert.ok(sub.peer.rtpReceived.audio > 0 && sub.peer.rtpReceived.video > 0, JSON.stringify(sub.peer.rtpReceived));
    }
    // Both proxies list the same participants.
    const lists = await Promise.all([0, 1].map(async (i) => {
      const data = await (await videoRoomHandle(await via(i))).sync({ request: 'listparticipants', room: ROOM });
      return (data.participants as Data[]).map((p) => ({ id: p.id, display: p.display, publisher: p.publisher })).sort((x, y) => String(x.id).localeCompare(String(y.id)));
    }));
    assert.equal(lists[0]!.length, 2);
    assert.deepEqual(lists[0], lists[1]);

    // A participant who does not publish joins and leaves: only the proxies can tell the publisher on
    // the other Janus. Once through each proxy; placement decides the Janus, so at least one of the
    // two is told across proxies (checked below).
    let acrossProxies = 0;
    for (const [proxy, display] of [[1, 'carol'], [0, 'dave']] as const) {
      const quiet = await videoRoomHandle(await via(proxy));
      const marks = [alice.handle.client.mark(), bob.handle.client.mark()];
      const joined = await quiet.async({ request: 'join', ptype: 'publisher', room: ROOM, display });
      assert.equal(joined.data.videoroom, 'joined', JSON.stringify(joined.data));
      const origin = await originOf(inspectors, ROOM, joined.data.id);
      const w = origin === origins[0] ? 1 : 0;
      const watcher = [alice, bob][w]!;
      if (w !== proxy) acrossProxies++;
      const seen = await watcher.handle.waitEvent((d) => (d.joining as Data | undefined)?.id === joined.data.id, TIMEOUT_MS, marks[w]);
      assert.equal((seen.joining as Data).display, display);
      const since = watcher.handle.client.mark();
      assert.equal((await quiet.async({ request: 'leave' })).data.leaving, 'ok');
      await watcher.handle.waitEvent((d) => d.leaving === joined.data.id, TIMEOUT_MS, since);
    }
    assert.ok(acrossProxies > 0, 'a joining/leaving event went from one proxy to the other');
  });

  it('destroy through one proxy ends the room on every Janus and in the other proxy', async () => {
    const onA = await videoRoomHandle(await via(0));
    const onB = await videoRoomHandle(await via(1));
    assert.equal((await onA.sync({ request: 'exists', room: ROOM })).exists, true);
    assert.equal((await onB.sync({ request: 'destroy', room: ROOM })).videoroom, 'destroyed');
    for (const inspector of inspectors) assert.equal(await inspector.exists(ROOM), false);
    // Proxy A dropped its cached copy when the change feed announced the deletion.
    await pollUntil('proxy A forgets the room', async () => ((await onA.sync({ request: 'exists', room: ROOM })).exists === false ? true : undefined), TIMEOUT_MS);
    assert.deepEqual((await onA.sync({ request: 'list' })).list, []);
  });
});
