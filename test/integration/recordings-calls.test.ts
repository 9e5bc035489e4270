// RecordPlay and VideoCall recordings on a real Janus (its own network namespace), made through the
// proxy by werift peers sending real Opus and VP8: a real sentinel watching that Janus finds its
// recording folders in the Janus's own config (RecordPlay's `path`) and working directory (VideoCall),
// indexes the files Janus 1.1.2 names, converts them with janus-pp-rec, and the proxy's
// GET /recordings lists them with plugin, participant and host; downloads match byte for byte.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { startWatchingSentinel, type TestSentinel } from '../support/sentinel-fixture.js';
import { connectCallUser, dataOf, resultOf, type CallUser } from '../support/call-client.js';
import { closeCall, expectMediaBothWays, register, videoCall, type Call } from '../support/call-flows.js';
import { createEchoPeer, type EchoPeer } from '../support/werift-peer.js';
import { pollUntil } from '../support/processes.js';
import type { Recording } from '../../src/sentinel/recordings/recording-index.js';

const TOKEN = 'recordings-calls-sentinel-token';
const RECORDING_ID = 4242;
const MEDIA_MS = 3_000;
type Listed = Recording & { server: string };

function ffprobeDuration(path: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], { encoding: 'utf8' });
  return Number(out.trim());
}

describe('RecordPlay and VideoCall recordings through the proxy, found by the sentinel in Janus\'s config', { timeout: 150_000 }, () => {
  let janus: JanusInstance;
  let proxy: TestProxy;
  let sentinel: TestSentinel;
  const users: CallUser[] = [];
  const peers: EchoPeer[] = [];
  let call: Call | undefined;

  before(async () => {
    // RecordPlay records into <dir>/recordings (its jcfg `path`), VideoCall into Janus's cwd (<dir>).
    janus = await startJanus({ plugins: ['recordplay', 'videocall'], stockRecordings: true });
    proxy = await startTestProxy([janus], { recordings: { sentinel_token: TOKEN } });
    sentinel = await startWatchingSentinel(janus, {
      proxies: [{ url: proxy.adminUrl!, token: TEST_ADMIN_TOKEN }],
      // No `dirs`: every folder comes from the watched Janus's command line, config and cwd.
      config: { admin_api: { token: TOKEN }, recordings: { enabled: true, scan_interval_ms: 200, complete_after_ms: 500 } },
    });
  });
  after(async () => {
    await closeCall(call);
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(users.map((u) => u.close()));
    await sentinel.stop({ drain: false });
    await proxy.stop();
    await janus.stop();
  });

  const get = (path: string): Promise<Response> => fetch(`${proxy.adminUrl!}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });

  /** The proxy's listing once `count` recordings of `plugin` are processed. */
  async function processed(plugin: string, count: number): Promise<Listed[]> {
    let last: unknown;
    return pollUntil(`${String(count)} ${plugin} recordings processed and listed by the proxy`, async () => {
      const body = await (await get('/recordings')).json() as { recordings: Listed[] };
      last = body;
      const mine = body.recordings.filter((r) => r.plugin === plugin && r.state === 'processed');
      return mine.length >= count ? mine : undefined;
    }, 30_000).catch((err: unknown) => { throw new Error(`${String(err)}; last listing: ${JSON.stringify(last)}`); });
  }

  /** Converted file of the right length, served by the proxy byte for byte as the sentinel has it. */
  async function checkFiles(r: Listed, dir: string): Promise<void> {
    assert.equal(r.server, janus.name);
    assert.match(r.output ?? '', r.kind === 'audio' ? /\.opus$/ : /\.webm$/);
    const path = join(dir, r.output!);
    const seconds = ffprobeDuration(path);
    assert.ok(Math.abs(seconds * 1000 - MEDIA_MS) < 1_500, `${r.id}: ${String(seconds)} s for ${String(MEDIA_MS)} ms of media`);
    const served = await get(`/recordings/${r.server}/${r.id}/output`);
    assert.equal(served.status, 200);
    assert.ok(Buffer.from(await served.arrayBuffer()).equals(readFileSync(path)), `${r.id}: the download is the file byte for byte`);
    const mjr = await get(`/recordings/${r.server}/${r.id}/mjr`);
    assert.ok(Buffer.from(await mjr.arrayBuffer()).equals(readFileSync(join(dir, `${r.id}.mjr`))));
  }

  it('RecordPlay: a werift peer records through the proxy into the plugin\'s configured path', async () => {
    const user = await connectCallUser(proxy.url, 'janus.plugin.recordplay');
    users.push(user);
    const peer = createEchoPeer({ iceAddress: janus.peerAddress! });
    peers.push(peer);
    const { event: recording } = await user.send({ request: 'record', id: RECORDING_ID, name: 'cloud test' }, await peer.createOffer(), 20_000);
    assert.equal(resultOf(recording).status, 'recording', JSON.stringify(recording));
    await peer.setAnswer(recording!.jsep as { type: string; sdp: string });
    await peer.waitForConnected(15_000);
    await new Promise((resolve) => setTimeout(resolve, MEDIA_MS)); // the recording's length is what is tested
    const { event: stopped } = await user.send({ request: 'stop' });
    assert.equal(resultOf(stopped).status, 'stopped', JSON.stringify(stopped));

    const listed = (await processed('recordplay', 2)).filter((r) => r.participant === String(RECORDING_ID));
    assert.deepEqual(listed.map((r) => [r.id, r.participant, r.kind, r.codec, r.room]).sort(), [
      [`rec-${String(RECORDING_ID)}-audio`, String(RECORDING_ID), 'audio', 'opus', undefined],
      [`rec-${String(RECORDING_ID)}-video`, String(RECORDING_ID), 'video', 'vp8', undefined],
    ], JSON.stringify(listed));
    for (const r of listed) await checkFiles(r, join(janus.dir, 'recordings'));
    // The plugin lists the recording it made (the .nfo next to the files).
    const { reply } = await user.send({ request: 'list' });
    const list = dataOf(reply).list as { id: number }[] | undefined;
    assert.ok(list?.some((l) => l.id === RECORDING_ID), JSON.stringify(reply));
  });

  it('VideoCall: a call with `set` record: true, each user\'s media recorded in Janus\'s working directory', async () => {
    const alice = await connectCallUser(proxy.url);
    const bob = await connectCallUser(proxy.url);
    users.push(alice, bob);
    await register(alice, 'alice');
    await register(bob, 'bob');
    call = await videoCall(alice, bob, 'bob', [janus]);
    await expectMediaBothWays(call);
    for (const u of [alice, bob]) {
      const { event } = await u.send({ request: 'set', record: true });
      assert.equal(resultOf(event).event, 'set', JSON.stringify(event));
    }
    await new Promise((resolve) => setTimeout(resolve, MEDIA_MS));
    const { event: hangup } = await alice.send({ request: 'hangup' });
    assert.equal(resultOf(hangup).event, 'hangup', JSON.stringify(hangup));

    const listed = await processed('videocall', 4);
    assert.deepEqual(listed.map((r) => [r.participant, r.peer, r.kind, r.codec]).sort(), [
      ['alice', 'bob', 'audio', 'opus'], ['alice', 'bob', 'video', 'vp8'],
      ['bob', 'alice', 'audio', 'opus'], ['bob', 'alice', 'video', 'vp8'],
    ], JSON.stringify(listed));
    for (const r of listed) {
      // Janus names the file after the users' backend aliases (the proxy's `<name>~<hex>`).
      assert.match(r.id, new RegExp(`^videocall-${r.participant!}~[0-9a-f]{10}-${r.peer!}~[0-9a-f]{10}-\\d{16}-${r.kind!}$`));
      await checkFiles(r, janus.dir);
    }
    const byUser = (await (await get('/recordings?participant=bob')).json() as { recordings: Listed[] }).recordings;
    assert.deepEqual(byUser.map((r) => r.kind).sort(), ['audio', 'video']);
  });
});
