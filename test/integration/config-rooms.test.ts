// Config-file rooms of every room plugin compared with a real Janus (list, exists, join): two Janus
// with the stock Debian plugin configs behind the proxy, a third one answered directly. The proxy must
// list and find the rooms of the config files (VideoRoom 1234/5678, AudioBridge 1234, TextRoom
// 1234, the Streaming mountpoints) as one Janus does, and users joining one of them must meet.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';

type Data = Record<string, unknown>;
const PLUGINS = ['videoroom', 'audiobridge', 'textroom', 'streaming'];

/** Plugin data with the one volatile value (`age_ms` of Streaming media: time since the last packet) zeroed. */
function pluginData(m: JanusMessage): Data {
  const data = ((m.plugindata as Data | undefined)?.data ?? {}) as Data;
  return JSON.parse(JSON.stringify(data), (k, v: unknown) => (k === 'age_ms' ? 0 : v)) as Data;
}

/** A `list` reply with its entries in id order (Janus leaves the order to its hash tables). */
function sortedList(data: Data, key: string): Data {
  const list = data[key];
  if (!Array.isArray(list)) return data;
  return { ...data, [key]: [...(list as Data[])].sort((a, b) => String(a.room ?? a.id).localeCompare(String(b.room ?? b.id))) };
}

async function handleOn(url: string, plugin: string): Promise<{ client: JanusTestClient; sync: (body: Data) => Promise<Data>; async: (body: Data) => Promise<Data> }> {
  const client = await JanusTestClient.connect(url);
  const session = await client.createSession();
  const handle = await client.attach(session, plugin);
  const at = { session_id: session, handle_id: handle };
  return {
    client,
    sync: async (body) => pluginData(await client.request({ janus: 'message', ...at, body })),
    async: async (body) => pluginData((await client.requestWithEvent({ janus: 'message', ...at, body }, { timeoutMs: 15_000 })).event),
  };
}

describe('config-file rooms of every room plugin compared with a real Janus (list, exists, join)', () => {
  let direct: JanusInstance;
  let behind: JanusInstance[];
  let proxy: TestProxy;
  const clients: JanusTestClient[] = [];

  before(async () => {
    const all = await startJanusCluster(3, { plugins: PLUGINS });
    direct = all[0] as JanusInstance;
    behind = all.slice(1);
    proxy = await startTestProxy(behind);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy.stop();
    await Promise.all([direct, ...behind].map((j) => j.stop()));
  });

  async function both(plugin: string): Promise<[Awaited<ReturnType<typeof handleOn>>, Awaited<ReturnType<typeof handleOn>>]> {
    const pair = await Promise.all([handleOn(direct.wsUrl, plugin), handleOn(proxy.url, plugin)]);
    clients.push(pair[0].client, pair[1].client);
    return pair;
  }

  const cases: [string, string, string, Data[]][] = [
    ['janus.plugin.videoroom', 'list', 'room', [{ request: 'exists', room: 1234 }, { request: 'exists', room: 5678 }, { request: 'exists', room: 999 }]],
    ['janus.plugin.audiobridge', 'list', 'room', [{ request: 'exists', room: 1234 }, { request: 'exists', room: 999 }]],
    ['janus.plugin.textroom', 'list', 'room', [{ request: 'exists', room: 1234 }, { request: 'exists', room: 999 }]],
    ['janus.plugin.streaming', 'list', 'id', [{ request: 'info', id: 1 }, { request: 'info', id: 3 }, { request: 'info', id: 999 }]],
  ];
  for (const [plugin, , key, probes] of cases) {
    it(`${plugin}: list and exists answer as one Janus`, async () => {
      const [janus, viaProxy] = await both(plugin);
      assert.deepEqual(sortedList(await viaProxy.sync({ request: 'list' }), 'list'), sortedList(await janus.sync({ request: 'list' }), 'list'));
      for (const probe of probes) assert.deepEqual(await viaProxy.sync(probe), await janus.sync(probe), `${plugin} ${JSON.stringify(probe)} (${key})`);
    });
  }

  it('VideoRoom: two users joining config room 1234 meet, as on one Janus', async () => {
    const [janus, first] = await both('janus.plugin.videoroom');
    const [, second] = await both('janus.plugin.videoroom');
    const shape = (d: Data): Data => ({ ...d, id: 0, private_id: 0 });
    const expected = shape(await janus.async({ request: 'join', ptype: 'publisher', room: 1234, display: 'a' }));
    assert.deepEqual(shape(await first.async({ request: 'join', ptype: 'publisher', room: 1234, display: 'a' })), expected);
    await second.async({ request: 'join', ptype: 'publisher', room: 1234, display: 'b' });
    const listed = await second.sync({ request: 'listparticipants', room: 1234 });
    const names = (listed.participants as Data[]).map((p) => p.display).sort();
    assert.deepEqual(names, ['a', 'b']);
    const listing = (await first.sync({ request: 'list' })).list as Data[];
    assert.equal(listing.find((r) => r.room === 1234)?.num_participants, 2);
  });

  it('AudioBridge: two users joining config room 1234 meet', async () => {
    const [, first] = await both('janus.plugin.audiobridge');
    const [, second] = await both('janus.plugin.audiobridge');
    assert.equal((await first.async({ request: 'join', room: 1234, display: 'a' })).audiobridge, 'joined');
    const joined = await second.async({ request: 'join', room: 1234, display: 'b' });
    assert.deepEqual((joined.participants as Data[]).map((p) => p.display), ['a']);
  });

  it('VideoRoom: management of config room 5678 is checked with its own secret, by Janus', async () => {
    const [janus, viaProxy] = await both('janus.plugin.videoroom');
    for (const body of [
      { request: 'destroy', room: 5678, secret: 'wrong' },
      { request: 'kick', room: 5678, secret: 'wrong', id: 1 },
      { request: 'edit', room: 5678, secret: 'adminpwd', new_description: 'Edited' },
    ]) assert.deepEqual(await viaProxy.sync(body), await janus.sync(body), JSON.stringify(body));
    const entry = async (h: typeof janus): Promise<Data | undefined> => ((await h.sync({ request: 'list' })).list as Data[]).find((r) => r.room === 5678);
    assert.deepEqual(await entry(viaProxy), await entry(janus));
    assert.equal((await entry(viaProxy))?.description, 'Edited');
  });

  for (const [plugin, label] of [['janus.plugin.videoroom', 'videoroom'], ['janus.plugin.audiobridge', 'audiobridge']] as const) {
    it(`${label}: a room made on one backend directly is found, listed and joined through the proxy`, async () => {
      const last = behind[behind.length - 1] as JanusInstance;
      const onLast = await handleOn(last.wsUrl, plugin);
      clients.push(onLast.client);
      assert.equal((await onLast.sync({ request: 'create', room: 4321, description: 'made directly' }))[label], 'created');
      const [, viaProxy] = await both(plugin);
      assert.deepEqual(await viaProxy.sync({ request: 'exists', room: 4321 }), { [label]: 'success', room: 4321, exists: true });
      const listed = ((await viaProxy.sync({ request: 'list' })).list as Data[]).filter((r) => r.room === 4321);
      assert.equal(listed.length, 1);
      const joined = await viaProxy.async({ request: 'join', room: 4321, display: 'c', ...(label === 'videoroom' ? { ptype: 'publisher' } : {}) });
      assert.equal(joined[label], 'joined', JSON.stringify(joined));
    });
  }
});
