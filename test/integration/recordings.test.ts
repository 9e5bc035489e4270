// Recordings on real Janus: a VideoRoom room with `record: true` spread by the proxy over two Janus
// hosts on a test LAN (one werift publisher each, real Opus and VP8 RTP for a few seconds), each host's recordings indexed by its
// sentinel's RecordingIndex, converted with the real janus-pp-rec, checked with ffprobe, and served
// by the sentinels' REST APIs to the proxy's admin API (list across hosts, downloads byte for byte, ranges). A corrupted .mjr fails with the tool's reason.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { adminRequest, JanusTestClient } from '../support/janus-client.js';
import { ParticipantNames } from '../../src/sentinel/recordings/participant-names.js';
import type { JsonObject } from '../../src/protocol/messages.js';
import { pluginData, publishWerift, videoRoomHandle, type Publisher } from '../support/videoroom-direct.js';
import { createEchoPeer } from '../support/werift-peer.js';
import { RecordingIndex, type Recording } from '../../src/sentinel/recordings/recording-index.js';
import { PostProcessor } from '../../src/sentinel/recordings/post-process.js';
import { startRestApi } from '../../src/sentinel/rest.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { startTestSentinel } from '../support/sentinel-fixture.js';
import { pollUntil } from '../support/processes.js';

const ROOM = 7301;
const TOKEN = 'recordings-test-token';
const PUBLISH_MS = 3_000;
const logger = pino({ level: 'silent' });
/** Participant → index of the Janus host that recorded it (the proxy places publishers). */
let hostOf: Record<string, number> = {};

function ffprobeDuration(path: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  return Number(out.trim());
}

describe('recordings on two real Janus hosts', { timeout: 150_000 }, () => {
  let janus: JanusInstance[] = [];
  const clients: JanusTestClient[] = [];
  const publishers: Publisher[] = [];
  /** Each Janus records where it runs (its own dir: a room without rec_dir), as a sentinel on its host sees it. */
  let dirs: string[] = [];
  let indexes: RecordingIndex[] = [];
  let proxy: TestProxy;
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    janus = await startJanusCluster(2, { lan: true, plugins: ['videoroom', 'audiobridge'], videoroom: {} });
    dirs = janus.map((j) => j.dir);
    // Each index names its participants by asking its own Janus, as a sentinel does (Admin API message_plugin).
    indexes = dirs.map((dir, i) => new RecordingIndex({
      names: new ParticipantNames(async (plugin, request) => {
        const reply = await adminRequest(janus[i]!.adminWsUrl, janus[i]!.adminSecret, { janus: 'message_plugin', plugin, request });
        return reply.response as JsonObject;
      }),
      dirs: [dir], deleteMjr: false, mux: true, scanIntervalMs: 60_000, completeAfterMs: 500, maxFiles: 100, logger,
      processor: new PostProcessor({ command: 'janus-pp-rec', workers: 2, timeoutMs: 30_000 }),
    }));
    proxy = await startTestProxy(janus, { recordings: { sentinel_token: TOKEN } });
    closers.push(() => proxy.stop());
  });
  after(async () => {
    await Promise.all(publishers.map((p) => p.peer.close()));
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(closers.map((c) => c()));
    await Promise.all(indexes.map((i) => i.stop()));
    await Promise.all(janus.map((j) => j.stop()));
  });

  /** Scans until every recording of the index has left the `recording` state and its conversion ended. */
  async function settle(index: RecordingIndex): Promise<Recording[]> {
    for (let i = 0; i < 50; i++) {
      await index.scan(Date.now() + 1_000); // stand after complete_after_ms instead of waiting for it
      await index.settled();
      const list = index.list();
      if (list.length > 0 && list.every((r) => !['recording', 'complete', 'processing'].includes(r.state))) return list;
      await new Promise((resolve) => setTimeout(resolve, 100)); // a second scan sees the size unchanged
    }
    throw new Error(`recordings did not settle: ${JSON.stringify(index.list())}`);
  }

  it('records a room spread over two hosts by the proxy, indexes and converts each host\'s recordings', async () => {
    const control = await videoRoomHandle(await JanusTestClient.connect(proxy.url).then((c) => { clients.push(c); return c; }));
    const created = await control.sync({ request: 'create', room: ROOM, publishers: 4, publishers_per_backend: 1, record: true });
    assert.equal(created.videoroom, 'created', JSON.stringify(created));
    for (const i of [0, 1]) {
      const client = await JanusTestClient.connect(proxy.url);
      clients.push(client);
      publishers.push(await publishWerift(client, ROOM, { iceAddress: janus[0]!.lan!.rootAddress, display: `user-${String(i)}`, id: 100 + i }));
    }
    await new Promise((resolve) => setTimeout(resolve, PUBLISH_MS)); // the recording's length is what is tested
    for (const p of publishers) {
      const { data } = await p.handle.async({ request: 'unpublish' });
      assert.equal(data.unpublished, 'ok', JSON.stringify(data));
    }
    const lists = await Promise.all(indexes.map((index) => settle(index)));
    // The origin host of each publisher holds its recordings (mirrors on the other host record nothing).
    const owners = lists.map((list) => [...new Set(list.map((r) => r.participant))]);
    assert.deepEqual(owners.flat().sort(), ['100', '101'], JSON.stringify(lists));
    hostOf = Object.fromEntries(owners.map((o, i) => [o[0]!, i]));
    for (const [i, list] of lists.entries()) {
      const who = owners[i]![0]!;
      const display = `user-${String(Number(who) - 100)}`;
      assert.deepEqual(list.map((r) => [r.plugin, r.room, r.participant, r.display, r.kind, r.codec, r.state]).sort(), [
        ['videoroom', String(ROOM), who, display, 'audio', 'opus', 'processed'],
        ['videoroom', String(ROOM), who, display, 'video', 'vp8', 'processed'],
      ], JSON.stringify(list));
      for (const r of list) {
        assert.match(r.output ?? '', r.kind === 'audio' ? /\.opus$/ : /\.webm$/);
        const seconds = ffprobeDuration(join(dirs[i]!, r.output!));
        assert.ok(Math.abs(seconds * 1000 - PUBLISH_MS) < 1_500, `${r.id}: ${String(seconds)} s for ${String(PUBLISH_MS)} ms published`);
        assert.ok(Math.abs((r.duration_ms ?? 0) - PUBLISH_MS) < 1_500, `${r.id}: indexed duration ${String(r.duration_ms)}`);
        assert.ok(readFileSync(join(dirs[i]!, r.log!), 'utf8').includes('Janus version'), 'the tool\'s log is kept');
      }
      const video = list.find((r) => r.kind === 'video')!;
      assert.equal(video.muxed, `${video.id}-muxed.webm`, JSON.stringify(video));
      const streams = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', join(dirs[i]!, video.muxed)], { encoding: 'utf8' });
      assert.deepEqual(streams.trim().split('\n').sort(), ['opus', 'vp8']);
      assert.ok(Math.abs(ffprobeDuration(join(dirs[i]!, video.muxed)) * 1000 - PUBLISH_MS) < 1_500);
    }
  });

  it('lists both hosts\' recordings on the proxy and streams downloads from the sentinel holding them', async () => {
    for (const [i, j] of janus.entries()) {
      const api = await startRestApi({
        info: () => ({}), metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }), setMaintenance: () => Promise.resolve(),
        drain: () => Promise.resolve(), restart: () => Promise.resolve(), recordings: () => indexes[i],
      }, { host: '127.0.0.1', port: 0, token: TOKEN, logger });
      closers.unshift(() => api.app.close());
      await proxy.cluster.registry.report({ name: j.name, url: j.wsUrl, status: 'up', sentinel_url: api.url }, 'sentinel');
      assert.equal((await fetch(`${api.url}/recordings`)).status, 401, 'the sentinel wants its token');
    }
    const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${proxy.adminUrl!}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...headers } });
    const listed = await (await get(`/recordings?room=${String(ROOM)}&state=processed`)).json() as { recordings: (Recording & { server: string })[]; errors: unknown[] };
    assert.deepEqual(listed.errors, []);
    assert.deepEqual(listed.recordings.map((r) => `${r.server}/${r.participant ?? ''}/${r.kind ?? ''}`).sort(),
      [`${janus[hostOf['100']!]!.name}/100/audio`, `${janus[hostOf['100']!]!.name}/100/video`,
        `${janus[hostOf['101']!]!.name}/101/audio`, `${janus[hostOf['101']!]!.name}/101/video`].sort());
    const filtered = await (await get('/recordings?participant=101')).json() as { recordings: Recording[] };
    assert.equal(filtered.recordings.length, 2);

    const video = listed.recordings.find((r) => r.kind === 'video' && r.participant === '101')!;
    const onDisk = readFileSync(join(dirs[hostOf['101']!]!, video.output!));
    const whole = await get(`/recordings/${video.server}/${video.id}/output`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'video/webm');
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(onDisk), 'the download is the file byte for byte');
    const part = await get(`/recordings/${video.server}/${video.id}/output`, { range: 'bytes=10-99' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-99/${String(onDisk.length)}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(onDisk.subarray(10, 100)));
    const mjr = await get(`/recordings/${video.server}/${video.id}/mjr`);
    assert.ok(Buffer.from(await mjr.arrayBuffer()).equals(readFileSync(join(dirs[hostOf['101']!]!, `${video.id}.mjr`))));
    assert.equal((await get(`/recordings/${video.server}/..%2F..%2Fetc%2Fpasswd/output`)).status, 404);
    assert.equal((await get(`/recordings/${video.server}/${video.id}/output`, { range: 'bytes=999999999-' })).status, 416);
    assert.equal((await fetch(`${proxy.adminUrl!}/recordings`)).status, 401);
  });

  it('gives a corrupted recording a failed state with the tool\'s reason, once', async () => {
    const id = `videoroom-${String(ROOM)}-user-999-1700000000000000-audio`;
    writeFileSync(join(dirs[0]!, `${id}.mjr`), Buffer.concat([Buffer.from('MJR00002', 'latin1'), Buffer.from('garbage that is no header at all')]));
    const list = await settle(indexes[0]!);
    const broken = list.find((r) => r.id === id);
    assert.equal(broken?.state, 'failed', JSON.stringify(broken));
    assert.match(broken.error ?? '', /janus-pp-rec failed \(.+\)/);
    assert.ok(readFileSync(join(dirs[0]!, `${id}.failed`), 'utf8').includes('janus-pp-rec failed'));
    // A restarted sentinel finds the outcome on disk instead of converting again.
    const again = new RecordingIndex({
      dirs: [dirs[0]!], deleteMjr: false, scanIntervalMs: 60_000, completeAfterMs: 0, maxFiles: 100, logger,
      processor: new PostProcessor({ command: '/bin/false', workers: 1, timeoutMs: 1_000 }),
    });
    await again.scan();
    const states = Object.fromEntries(again.list().map((r) => [r.id, r.state]));
    assert.equal(states[id], 'failed');
    assert.equal(Object.values(states).filter((s) => s === 'processed').length, 2);
  });

  it('lists and converts an AudioBridge participant recording', async () => {
    const [a] = janus as [JanusInstance];
    const client = await JanusTestClient.connect(a.wsUrl);
    clients.push(client);
    const session = await client.createSession();
    const at = { session_id: session, handle_id: await client.attach(session, 'janus.plugin.audiobridge') };
    const created = await client.request({ janus: 'message', ...at, body: { request: 'create', room: ROOM + 1, mjrs: true, mjrs_dir: dirs[0] } });
    assert.equal(pluginData(created).audiobridge, 'created', JSON.stringify(created));
    const message = async (body: Record<string, unknown>, jsep?: object): Promise<{ data: Record<string, unknown>; jsep: unknown }> => {
      const { event } = await client.requestWithEvent({ janus: 'message', ...at, body, ...(jsep ? { jsep } : {}) }, { timeoutMs: 20_000 });
      return { data: pluginData(event), jsep: event.jsep };
    };
    assert.equal((await message({ request: 'join', room: ROOM + 1, id: 300, display: 'carol' })).data.audiobridge, 'joined');
    const peer = createEchoPeer({ iceAddress: a.peerAddress!, audio: true, video: false });
    closers.push(() => peer.close());
    const configured = await message({ request: 'configure', muted: false }, await peer.createOffer());
    await peer.setAnswer(configured.jsep as { type: string; sdp: string });
    await peer.waitForRtp(20, 20_000); // the mix comes back: Janus has the participant's audio
    await new Promise((resolve) => setTimeout(resolve, PUBLISH_MS));
    await indexes[0]!.scan(); // seen while carol is in the room: her display name is learned
    assert.equal((await message({ request: 'leave' })).data.audiobridge, 'left');
    const list = await settle(indexes[0]!);
    const carol = list.filter((r) => r.plugin === 'audiobridge');
    assert.equal(carol.length, 1, JSON.stringify(list));
    const [r] = carol as [Recording];
    assert.deepEqual([r.room, r.participant, r.display, r.kind, r.codec, r.state], [String(ROOM + 1), '300', 'carol', 'audio', 'opus', 'processed'], JSON.stringify(r));
    const seconds = ffprobeDuration(join(dirs[0]!, r.output!));
    assert.ok(seconds * 1000 > PUBLISH_MS - 500 && seconds * 1000 < PUBLISH_MS + 3_000, `${String(seconds)} s`);
  });

  it('a real sentinel indexes its folder, reports its REST URL, and the proxy lists and serves its recordings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jc-rec-sentinel-'));
    closers.push(() => { rmSync(dir, { recursive: true, force: true }); return Promise.resolve(); });
    const source = indexes[hostOf['100']!]!.list().find((r) => r.participant === '100' && r.kind === 'audio')!;
    const id = 'videoroom-9999-user-7-1700000000000000-audio';
    copyFileSync(join(dirs[hostOf['100']!]!, `${source.id}.mjr`), join(dir, `${id}.mjr`));
    const sentinel = await startTestSentinel({
      proxies: [{ url: proxy.adminUrl!, token: TEST_ADMIN_TOKEN }],
      config: { admin_api: { token: TOKEN }, recordings: { enabled: true, dirs: [dir], scan_interval_ms: 200, complete_after_ms: 0 } },
    });
    closers.unshift(() => sentinel.stop({ drain: false }));
    const get = (path: string): Promise<Response> => fetch(`${proxy.adminUrl!}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const listed = await pollUntil('the sentinel\'s recording is processed and listed by the proxy', async () => {
      const body = await (await get('/recordings?room=9999&state=processed')).json() as { recordings: (Recording & { server: string })[] };
      return body.recordings[0];
    }, 20_000);
    assert.deepEqual([listed.server, listed.id, listed.participant, listed.codec], ['sentinel-test', id, '7', 'opus']);
    const served = Buffer.from(await (await get(`/recordings/sentinel-test/${id}/output`)).arrayBuffer());
    assert.ok(served.equals(readFileSync(join(dir, `${id}.opus`))));
  });
});
