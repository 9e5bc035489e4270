// Every synchronous VideoRoom request and error code, plus the asynchronous ones that need no media,
// sent to a real Janus 1.1.2 and to the proxy in front of two others (the room spread over both:
// publishers_per_backend 1): the normalised replies and events must be identical.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { IdNormalizer } from '../support/normalize.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { pluginData, publishWerift, videoRoomHandle, type Data } from '../support/videoroom-direct.js';

const VIDEOROOM = 'janus.plugin.videoroom';
/** The test LAN's root address, which werift peers bind (set once the Janus servers are up). */
let lanAddress = '';
const EXTRA_IDS = ['private_id', 'room', 'feed_id', 'publisher_id', 'stream_id', 'kicked', 'leaving', 'unpublished'];

type Handle = {
  sync: (body: Data) => Promise<JanusMessage>;
  /** ack and event of an async request. */
  async: (body: Data) => Promise<{ reply: JanusMessage; event: JanusMessage }>;
  /** The next plugin event without transaction on this handle matching `pred`. */
  next: (pred: (d: Data) => boolean, since: number) => Promise<JanusMessage>;
};
type Tools = { client: JanusTestClient; rec: (m: unknown) => void; handle: () => Promise<Handle> };
type Script = (t: Tools) => Promise<void>;

/** Lists whose order Janus leaves to its hash tables, sorted so both sides compare. */
function sorted(m: JanusMessage, key: string, by: (e: Data) => string): JanusMessage {
  const data = pluginData(m);
  const list = data[key];
  if (Array.isArray(list)) data[key] = [...(list as Data[])].sort((a, b) => by(a).localeCompare(by(b)));
  return m;
}

const byRoom = (e: Data): string => String(e.room);
const byDisplay = (e: Data): string => String(e.display);

const scripts: Record<string, Script> = {
  'request dispatch and unknown requests': async ({ handle, rec }) => {
    const h = await handle();
    rec(await h.sync({}));
    rec(await h.sync({ request: 5 }));
    rec(await h.sync({ request: 'nosuchthing' }));
    rec(await h.sync({ request: 'list_remotes' }));
    rec(await h.sync({ request: 'EXISTS', room: 7001 }));
  },
  'create, exists, list, destroy': async ({ handle, rec }) => {
    const h = await handle();
    rec(await h.sync({ request: 'create', room: 7101, description: 'Seven', publishers: 6, bitrate: 100, secret: 'adm', pin: 'p1' }));
    rec(await h.sync({ request: 'create', room: 7101 }));
    rec(await h.sync({ request: 'create', room: 'x' }));
    rec(await h.sync({ request: 'create', room: 7102, description: 5 }));
    rec(await h.sync({ request: 'create', room: 7102, publishers: -1 }));
    rec(await h.sync({ request: 'create', room: 7102, audiocodec: 'opus,mp3' }));
    rec(await h.sync({ request: 'create', room: 7102, videocodec: 'vp8,,h264' }));
    rec(await h.sync({ request: 'create', room: 7102, allowed: ['a', 2] }));
    rec(await h.sync({ request: 'create', room: 7102, is_private: 'yes' }));
    rec(await h.sync({ request: 'create', room: 7103, is_private: true, videocodec: 'vp9,vp8', audiocodec: 'pcmu', opus_fec: true, audiolevel_event: true, record: true, rec_dir: '/tmp', transport_wide_cc_ext: false }));
    rec(await h.sync({ request: 'exists', room: 7101 }));
    rec(await h.sync({ request: 'exists', room: 7199 }));
    rec(await h.sync({ request: 'exists' }));
    rec(await h.sync({ request: 'exists', room: 'x' }));
    rec(sorted(await h.sync({ request: 'list' }), 'list', byRoom));
    rec(await h.sync({ request: 'destroy', room: 7199 }));
    rec(await h.sync({ request: 'destroy', room: 7101 }));
    rec(await h.sync({ request: 'destroy', room: 7101, secret: 'wrong' }));
    rec(await h.sync({ request: 'destroy', room: 7101, secret: 5 }));
    rec(await h.sync({ request: 'destroy', room: 7101, secret: 'adm', permanent: 'no' }));
    rec(await h.sync({ request: 'destroy', room: 7101, secret: 'adm' }));
    rec(await h.sync({ request: 'destroy', room: 7103 }));
    rec(await h.sync({ request: 'exists', room: 7101 }));
    const random = await h.sync({ request: 'create' });
    const id = pluginData(random).room;
    rec({ videoroom: pluginData(random).videoroom, roomIsNumber: typeof id === 'number' });
    rec(await h.sync({ request: 'destroy', room: id }));
  },
  edit: async ({ handle, rec }) => {
    const h = await handle();
    await h.sync({ request: 'create', room: 7201, secret: 'adm' });
    rec(await h.sync({ request: 'edit', room: 7299 }));
    rec(await h.sync({ request: 'edit', room: 7201 }));
    rec(await h.sync({ request: 'edit', room: 7201, secret: 'nope' }));
    rec(await h.sync({ request: 'edit', room: 7201, secret: 'adm', new_bitrate: 'fast' }));
    rec(await h.sync({ request: 'edit', room: 7201, secret: 'adm', new_description: 'Edited room', new_bitrate: 100, new_publishers: 9, new_pin: 'pp', new_fir_freq: 5, new_rec_dir: '/tmp/x', new_lock_record: true, new_require_pvtid: true }));
    rec(await h.sync({ request: 'edit', room: 7201, secret: 'adm', new_secret: 'adm2', new_is_private: true }));
    rec(await h.sync({ request: 'list' }));
    rec(await h.sync({ request: 'edit', room: 7201, secret: 'adm2', new_is_private: false }));
    rec(await h.sync({ request: 'list' }));
    rec(await h.sync({ request: 'destroy', room: 7201, secret: 'adm2' }));
  },
  'allowed and enable_recording': async ({ handle, rec }) => {
    const h = await handle();
    await h.sync({ request: 'create', room: 7301, secret: 'adm' });
    rec(await h.sync({ request: 'allowed', room: 7301 }));
    rec(await h.sync({ request: 'allowed', room: 7301, action: 'shout', secret: 'adm' }));
    rec(await h.sync({ request: 'allowed', room: 7399, action: 'enable' }));
    rec(await h.sync({ request: 'allowed', room: 7301, action: 'enable' }));
    rec(sorted(await h.sync({ request: 'allowed', room: 7301, action: 'add', secret: 'adm', allowed: ['t1', 't2'] }), 'allowed', String));
    rec(await h.sync({ request: 'allowed', room: 7301, action: 'add', secret: 'adm', allowed: ['t3', 4] }));
    rec(sorted(await h.sync({ request: 'allowed', room: 7301, action: 'remove', secret: 'adm', allowed: ['t1'] }), 'allowed', String));
    rec(await h.sync({ request: 'allowed', room: 7301, action: 'disable', secret: 'adm' }));
    rec(await h.sync({ request: 'enable_recording', room: 7301 }));
    rec(await h.sync({ request: 'enable_recording', room: 7301, record: true }));
    rec(await h.sync({ request: 'enable_recording', room: 7399, record: true }));
    rec(await h.sync({ request: 'enable_recording', room: 7301, record: 'on', secret: 'adm' }));
    rec(await h.sync({ request: 'enable_recording', room: 7301, record: true, secret: 'adm' }));
    rec(await h.sync({ request: 'list' }));
    rec(await h.sync({ request: 'destroy', room: 7301, secret: 'adm' }));
  },
  'forwarders and participants of an empty room': async ({ handle, rec }) => {
    const h = await handle();
    await h.sync({ request: 'create', room: 7401, secret: 'adm' });
    for (const body of [
      { request: 'listparticipants' }, { request: 'listparticipants', room: 7499 }, { request: 'listparticipants', room: 7401 },
      { request: 'listforwarders', room: 7401 }, { request: 'listforwarders', room: 7401, secret: 'adm' }, { request: 'listforwarders', room: 7499 },
      { request: 'rtp_forward', room: 7401 }, { request: 'rtp_forward', room: 7401, host: '127.0.0.1' },
      { request: 'rtp_forward', room: 7401, host: '127.0.0.1', publisher_id: 5 }, { request: 'rtp_forward', room: 7401, host: '127.0.0.1', publisher_id: 5, secret: 'adm' },
      { request: 'rtp_forward', room: 7499, host: '127.0.0.1', publisher_id: 5 },
      { request: 'stop_rtp_forward', room: 7401, publisher_id: 5 }, { request: 'stop_rtp_forward', room: 7401, publisher_id: 5, stream_id: 1, secret: 'adm' },
      { request: 'kick', room: 7401 }, { request: 'kick', room: 7401, id: 5 }, { request: 'kick', room: 7401, id: 5, secret: 'adm' },
      { request: 'moderate', room: 7401, id: 5, secret: 'adm' }, { request: 'moderate', room: 7401, id: 5, mid: '0', mute: true, secret: 'adm' },
    ]) rec(await h.sync(body));
    rec(await h.sync({ request: 'destroy', room: 7401, secret: 'adm' }));
  },
  'asynchronous requests before and at join': async ({ handle, rec }) => {
    const h = await handle();
    await h.sync({ request: 'create', room: 7501, pin: 'pw', publishers: 6 });
    for (const body of [
      { request: 'configure' }, { request: 'publish' }, { request: 'start' }, { request: 'leave' },
      { request: 'join', room: 7501 }, { request: 'join', ptype: 'publisher' }, { request: 'join', ptype: 'publisher', room: 7599 },
      { request: 'join', ptype: 'publisher', room: 7501 }, { request: 'join', ptype: 'publisher', room: 7501, pin: 'no' },
      { request: 'join', ptype: 'nobody', room: 7501, pin: 'pw' }, { request: 'join', ptype: 'subscriber', room: 7501, pin: 'pw' },
      { request: 'join', ptype: 'subscriber', room: 7501, pin: 'pw', streams: [{ feed: 12345 }] },
    ]) {
      const { reply, event } = await h.async(body);
      rec(reply);
      rec(event);
    }
    const h2 = await handle();
    await h2.sync({ request: 'destroy', room: 7501 });
  },
  'participants spread over backends: join, events, kick, leave': async ({ client, handle, rec }) => {
    const ctl = await handle();
    rec(await ctl.sync({ request: 'create', room: 7601, publishers: 6, notify_joining: true, secret: 'adm' }));
    const a = await handle();
    const joinedA = await a.async({ request: 'join', ptype: 'publisher', room: 7601, display: 'a' });
    rec(joinedA.event);
    const b = await handle();
    const sinceB = client.mark();
    const joinedB = await b.async({ request: 'join', ptype: 'publisher', room: 7601, display: 'b', id: 4242 });
    rec(joinedB.event);
    rec(await a.next((d) => d.joining !== undefined, sinceB));
    const c = await handle();
    rec((await c.async({ request: 'join', ptype: 'publisher', room: 7601, display: 'dup', id: 4242 })).event);
    rec(sorted(await ctl.sync({ request: 'listparticipants', room: 7601 }), 'participants', byDisplay));
    const sinceKick = client.mark();
    rec(await ctl.sync({ request: 'kick', room: 7601, id: 4242, secret: 'adm' }));
    rec(await b.next((d) => d.leaving === 'ok', sinceKick));
    rec(await a.next((d) => d.kicked !== undefined, sinceKick));
    rec(sorted(await ctl.sync({ request: 'listparticipants', room: 7601 }), 'participants', byDisplay));
    rec((await a.async({ request: 'unpublish' })).event);
    rec((await a.async({ request: 'leave' })).event);
    rec(await ctl.sync({ request: 'listparticipants', room: 7601 }));
    rec(await ctl.sync({ request: 'destroy', room: 7601, secret: 'adm' }));
  },
  'published publishers: forwarders, moderation, display, kick': async ({ client, rec }) => {
    const ctl = await videoRoomHandle(client);
    await ctl.sync({ request: 'create', room: 7801, secret: 'adm', publishers: 6 });
    const p = await publishWerift(client, 7801, { iceAddress: lanAddress, display: 'pa' });
    const q = await publishWerift(client, 7801, { iceAddress: lanAddress, display: 'pb' });
    try {
      const lp = await client.request({ janus: 'message', ...ctl.at, body: { request: 'listparticipants', room: 7801 } });
      rec(sorted(lp, 'participants', byDisplay));
      const fwd = await client.request({ janus: 'message', ...ctl.at, body: { request: 'rtp_forward', room: 7801, publisher_id: p.id, host: '127.0.0.1', secret: 'adm', streams: [{ mid: '0', port: 5002 }, { mid: '1', port: 5004, pt: 100 }] } });
      rec(fwd);
      rec(await client.request({ janus: 'message', ...ctl.at, body: { request: 'listforwarders', room: 7801, secret: 'adm' } }));
      const streamId = (pluginData(fwd).forwarders as Data[])[0]!.stream_id;
      rec(await client.request({ janus: 'message', ...ctl.at, body: { request: 'stop_rtp_forward', room: 7801, publisher_id: p.id, stream_id: streamId, secret: 'adm' } }));
      rec(await client.request({ janus: 'message', ...ctl.at, body: { request: 'stop_rtp_forward', room: 7801, publisher_id: p.id, stream_id: streamId, secret: 'adm' } }));
      rec(await client.request({ janus: 'message', ...ctl.at, body: { request: 'moderate', room: 7801, id: p.id, mid: '7', mute: true, secret: 'adm' } }));
      let since = client.mark();
      rec(await client.request({ janus: 'message', ...ctl.at, body: { request: 'moderate', room: 7801, id: p.id, mid: '0', mute: true, secret: 'adm' } }));
      rec(await q.handle.waitEvent((d) => d.moderation !== undefined, 10_000, since));
      since = client.mark();
      rec((await p.handle.async({ request: 'configure', display: 'pa2' })).event);
      rec(await q.handle.waitEvent((d) => d.display !== undefined, 10_000, since));
      since = client.mark();
      rec(await client.request({ janus: 'message', ...ctl.at, body: { request: 'kick', room: 7801, id: q.id, secret: 'adm' } }));
      rec(await p.handle.waitEvent((d) => d.kicked !== undefined, 10_000, since));
      rec(sorted(await client.request({ janus: 'message', ...ctl.at, body: { request: 'listparticipants', room: 7801 } }), 'participants', byDisplay));
      rec(await client.request({ janus: 'message', ...ctl.at, body: { request: 'destroy', room: 7801, secret: 'adm' } }));
    } finally {
      await Promise.all([p.peer.close(), q.peer.close()]);
    }
  },
};

async function videoRoom(client: JanusTestClient, sessionId: number): Promise<Handle> {
  const reply = await client.request({ janus: 'attach', session_id: sessionId, plugin: VIDEOROOM });
  const handleId = (reply.data as { id: number }).id;
  const at = { session_id: sessionId, handle_id: handleId };
  return {
    sync: (body) => client.request({ janus: 'message', ...at, body }),
    async: (body) => client.requestWithEvent({ janus: 'message', ...at, body }),
    next: (pred, since) => client.waitFor((m) => m.janus === 'event' && m.sender === handleId && m.transaction === undefined && pred(pluginData(m)), 10_000, since),
  };
}

async function run(url: string, script: Script): Promise<unknown[]> {
  const client = await JanusTestClient.connect(url);
  const normalizer = new IdNormalizer(EXTRA_IDS);
  const out: unknown[] = [];
  try {
    const session = await client.createSession();
    await script({ client, rec: (m) => out.push(normalizer.normalize(m)), handle: () => videoRoom(client, session) });
  } finally {
    await client.close();
  }
  return out;
}

describe('videoroom requests: the proxy over two backends answers exactly as one Janus 1.1.2', { timeout: 180_000 }, () => {
  let janusDirect: JanusInstance;
  let behind: JanusInstance[];
  let proxy: TestProxy;

  before(async () => {
    const all = await startJanusCluster(3, { lan: true, plugins: ['videoroom'], videoroom: {} });
    janusDirect = all[0]!;
    behind = all.slice(1);
    lanAddress = janusDirect.lan!.rootAddress;
    proxy = await startTestProxy(behind, { videoroom: { publishers_per_backend: 1 } });
  });
  after(async () => {
    await proxy.stop();
    await Promise.all([janusDirect, ...behind].map((j) => j.stop()));
  });

  for (const [name, script] of Object.entries(scripts)) {
    it(name, async () => {
      const expected = await run(janusDirect.wsUrl, script);
      const actual = await run(proxy.url, script);
      assert.deepEqual(actual, expected);
    });
  }

  it('spread those participants over both backends (one per backend with publishers_per_backend 1)', async () => {
    const client = await JanusTestClient.connect(proxy.url);
    const direct = await Promise.all(behind.map((j) => JanusTestClient.connect(j.wsUrl)));
    try {
      const session = await client.createSession();
      const ctl = await videoRoom(client, session);
      await ctl.sync({ request: 'create', room: 7701 });
      for (const display of ['a', 'b']) await (await videoRoom(client, session)).async({ request: 'join', ptype: 'publisher', room: 7701, display });
      const perBackend = await Promise.all(direct.map(async (c) => {
        const h = await videoRoom(c, await c.createSession());
        return (pluginData(await h.sync({ request: 'listparticipants', room: 7701 })).participants as Data[]).map((p) => p.display);
      }));
      assert.deepEqual(perBackend.map((list) => list.length), [1, 1], JSON.stringify(perBackend));
      await ctl.sync({ request: 'destroy', room: 7701 });
    } finally {
      await Promise.all([client, ...direct].map((c) => c.close()));
    }
  });

  it('keeps the remote-publisher requests to itself', async () => {
    const client = await JanusTestClient.connect(proxy.url);
    try {
      const h = await videoRoom(client, await client.createSession());
      for (const request of ['listremotes', 'add_remote_publisher', 'publish_remotely']) {
        const data = pluginData(await h.sync({ request, room: 1 }));
        assert.equal(data.error_code, 423, JSON.stringify(data));
      }
    } finally {
      await client.close();
    }
  });
});

const stringIdScripts: Record<string, Script> = {
  'string room and participant ids': async ({ handle, rec }) => {
    const h = await handle();
    rec(await h.sync({ request: 'create', room: 'alpha', secret: 'adm' }));
    rec(await h.sync({ request: 'create', room: 'alpha' }));
    rec(await h.sync({ request: 'create', room: 5 }));
    rec(await h.sync({ request: 'exists', room: 'alpha' }));
    rec(await h.sync({ request: 'exists', room: 5 }));
    const p = await handle();
    rec((await p.async({ request: 'join', ptype: 'publisher', room: 'alpha', id: 'pub-1', display: 'one' })).event);
    rec((await (await handle()).async({ request: 'join', ptype: 'publisher', room: 'alpha', id: 'pub-1' })).event);
    rec((await (await handle()).async({ request: 'join', ptype: 'publisher', room: 'alpha', id: 7 })).event);
    rec(await h.sync({ request: 'listparticipants', room: 'alpha' }));
    rec(await h.sync({ request: 'kick', room: 'alpha', id: 'nobody', secret: 'adm' }));
    rec(await h.sync({ request: 'kick', room: 'alpha', id: 3, secret: 'adm' }));
    rec(await h.sync({ request: 'destroy', room: 'alpha', secret: 'adm' }));
    const random = pluginData(await h.sync({ request: 'create' }));
    rec({ videoroom: random.videoroom, roomIsString: typeof random.room === 'string' });
    rec(pluginData(await h.sync({ request: 'destroy', room: random.room })).videoroom);
  },
};

const adminKeyScripts: Record<string, Script> = {
  'admin_key gates create, private rooms and rtp_forward': async ({ handle, rec }) => {
    const h = await handle();
    rec(await h.sync({ request: 'create', room: 7901 }));
    rec(await h.sync({ request: 'create', room: 7901, admin_key: 5 }));
    rec(await h.sync({ request: 'create', room: 7901, admin_key: 'wrong' }));
    rec(await h.sync({ request: 'create', room: 7901, admin_key: 'wrong', description: 7 }));
    rec(await h.sync({ request: 'create', room: 7901, admin_key: 'sesame' }));
    rec(await h.sync({ request: 'create', room: 7902, admin_key: 'sesame', is_private: true }));
    rec(await h.sync({ request: 'list' }));
    rec(sorted(await h.sync({ request: 'list', admin_key: 'sesame' }), 'list', byRoom));
    rec(await h.sync({ request: 'list', admin_key: 'wrong' }));
    rec(await h.sync({ request: 'rtp_forward', room: 7901, publisher_id: 5, host: '127.0.0.1' }));
    rec(await h.sync({ request: 'rtp_forward', room: 7901, publisher_id: 5, host: '127.0.0.1', admin_key: 'wrong' }));
    rec(await h.sync({ request: 'rtp_forward', room: 7901, publisher_id: 5, host: '127.0.0.1', admin_key: 'sesame' }));
    rec(await h.sync({ request: 'destroy', room: 7901 }));
    rec(await h.sync({ request: 'destroy', room: 7902 }));
  },
};

/** Runs `scripts` against one Janus with `janusOptions` and the proxy (with `proxyVideoroom`) over two with `behindOptions`. */
function compare(title: string, scripts: Record<string, Script>, setup: {
  janusOptions: Parameters<typeof startJanusCluster>[1]; behindOptions: Parameters<typeof startJanusCluster>[1]; proxyVideoroom: Data;
}): void {
  describe(title, { timeout: 120_000 }, () => {
    let direct: JanusInstance[] = [];
    let behind: JanusInstance[] = [];
    let proxy: TestProxy;
    before(async () => {
      [direct, behind] = await Promise.all([startJanusCluster(1, setup.janusOptions), startJanusCluster(2, setup.behindOptions)]);
      proxy = await startTestProxy(behind, { videoroom: { publishers_per_backend: 1, ...setup.proxyVideoroom } });
    });
    after(async () => {
      await proxy.stop();
      await Promise.all([...direct, ...behind].map((j) => j.stop()));
    });
    for (const [name, script] of Object.entries(scripts)) {
      it(name, async () => {
        const expected = await run(direct[0]!.wsUrl, script);
        const actual = await run(proxy.url, script);
        assert.deepEqual(actual, expected);
      });
    }
  });
}

compare('videoroom with string_ids: the proxy answers as one Janus 1.1.2', stringIdScripts, {
  janusOptions: { netns: false, plugins: ['videoroom'], videoroom: { stringIds: true } },
  behindOptions: { netns: false, plugins: ['videoroom'], videoroom: { stringIds: true } },
  proxyVideoroom: { string_ids: true },
});

compare('videoroom admin_key enforced by the proxy (backends have none): answers as one Janus with it', adminKeyScripts, {
  janusOptions: { netns: false, plugins: ['videoroom'], videoroom: { adminKey: 'sesame', lockRtpForward: true } },
  behindOptions: { netns: false, plugins: ['videoroom'], videoroom: {} },
  proxyVideoroom: { admin_key: 'sesame', lock_rtp_forward: true },
});
