// Proves the test fixtures against real components: namespaced Janus hosts, werift media, Redis.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { adminRequest, JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { probeWs, startJanusCluster, stopAll, type JanusInstance } from '../support/janus-fixture.js';
import { RECORD_DIR } from '../support/netns.js';
import { isAlive, pollUntil, procComm } from '../support/processes.js';
import { redisCommand, startRedis } from '../support/redis-fixture.js';
import { createEchoPeer, createSubscriberPeer } from '../support/werift-peer.js';

function netnsNames(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

function candidateAddresses(sdp: string): string[] {
  return sdp.split(/\r?\n/).filter((l) => l.startsWith('a=candidate:')).map((l) => l.split(' ')[4] ?? '');
}

/** create, attach echotest, offer, answer; asserts webrtcup, media receiving:true and echoed RTP. */
async function runEchotest(janus: JanusInstance): Promise<void> {
  const client = await JanusTestClient.connect(janus.wsUrl);
  const peer = createEchoPeer({ iceAddress: janus.peerAddress! });
  try {
    const session = await client.createSession();
    const handle = await client.attach(session, 'echotest');
    const offer = await peer.createOffer();
    assert.deepEqual(new Set(candidateAddresses(offer.sdp)), new Set([janus.peerAddress]));
    const since = client.mark(); // webrtcup/media may arrive before we start waiting for them
    const { event } = await client.requestWithEvent({
      janus: 'message', session_id: session, handle_id: handle, body: { audio: true, video: true }, jsep: offer,
    });
    const jsep = event.jsep as { type: string; sdp: string };
    assert.equal(jsep.type, 'answer');
    assert.deepEqual(new Set(candidateAddresses(jsep.sdp)), new Set([janus.host]), 'Janus gathers only its veth address');
    await peer.setAnswer(jsep);

    const fromHandle = (m: JanusMessage): boolean => m.sender === handle;
    await client.waitFor((m) => fromHandle(m) && m.janus === 'webrtcup', 10_000, since);
    for (const kind of ['audio', 'video']) {
      await client.waitFor((m) => fromHandle(m) && m.janus === 'media' && m.type === kind && m.receiving === true, 10_000, since);
    }
    await peer.waitForRtp(10, 10_000);
    assert.ok(peer.rtpSent.audio >= 10 && peer.rtpSent.video >= 10);
  } finally {
    await peer.close();
    await client.close();
  }
}

describe('test fixtures against real components', { timeout: 120_000 }, () => {
  let janus: JanusInstance[] = [];
  const ourNamespaces: string[] = [];
  const pids: number[] = [];

  before(async () => {
    janus = await startJanusCluster(2);
    for (const j of janus) {
      ourNamespaces.push(j.testHost!.ns);
      pids.push(j.pid);
    }
  });

  after(async () => {
    await stopAll();
  });

  it('starts two namespaced hosts that answer info over WS and HTTP', async () => {
    assert.equal(janus.length, 2);
    assert.notEqual(janus[0]!.host, janus[1]!.host);
    for (const j of janus) {
      assert.equal(procComm(j.pid), 'janus');
      assert.match(j.host, /^10\.213\.\d+\.\d+$/);
      const client = await JanusTestClient.connect(j.wsUrl);
      try {
        const info = await client.request({ janus: 'info' });
        assert.equal(info.janus, 'server_info');
        assert.equal(info['server-name'], j.name);
        assert.deepEqual(Object.keys(info.plugins as object).sort(),
          ['janus.plugin.echotest', 'janus.plugin.videocall', 'janus.plugin.videoroom']);
      } finally {
        await client.close();
      }
      const res = await fetch(`${j.httpUrl}/info`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as JanusMessage).janus, 'server_info');
    }
  });

  it('lists a new session through the admin API', async () => {
    const j = janus[0]!;
    const client = await JanusTestClient.connect(j.wsUrl);
    try {
      const session = await client.createSession();
      const handle = await client.attach(session, 'echotest');
      const sessions = await adminRequest(j.adminWsUrl, j.adminSecret, { janus: 'list_sessions' });
      assert.ok((sessions.sessions as number[]).includes(session));
      const handles = await adminRequest(j.adminWsUrl, j.adminSecret, { janus: 'list_handles', session_id: session });
      assert.deepEqual(handles.handles, [handle]);
      const denied = await adminRequest(j.adminWsUrl, 'wrong', { janus: 'list_sessions' });
      assert.equal((denied.error as { code: number }).code, 403);
    } finally {
      await client.close();
    }
  });

  it('carries real media: werift echotest on both hosts at once', { timeout: 30_000 }, async () => {
    await Promise.all(janus.map(runEchotest));
  });

  it('carries real media: videoroom publisher to a subscriber peer (Janus offers)', { timeout: 30_000 }, async () => {
    const j = janus[1]!;
    const [pubClient, subClient] = [await JanusTestClient.connect(j.wsUrl), await JanusTestClient.connect(j.wsUrl)];
    const publisher = createEchoPeer({ iceAddress: j.peerAddress! });
    const subscriber = createSubscriberPeer({ iceAddress: j.peerAddress! });
    try {
      const pubSession = await pubClient.createSession();
      const pubHandle = await pubClient.attach(pubSession, 'videoroom');
      const msg = (body: object, jsep?: object): Record<string, unknown> =>
        ({ janus: 'message', session_id: pubSession, handle_id: pubHandle, body, ...(jsep ? { jsep } : {}) });
      const room = 1000 + Math.floor(Math.random() * 1e6);
      await pubClient.request(msg({ request: 'create', room, publishers: 4, audiocodec: 'opus', videocodec: 'vp8' }));
      const joined = await pubClient.requestWithEvent(msg({ request: 'join', ptype: 'publisher', room }));
      const feed = (joined.event.plugindata as { data: { id: number } }).data.id;
      const pubSince = pubClient.mark();
      const published = await pubClient.requestWithEvent(msg({ request: 'publish', audio: true, video: true }, await publisher.createOffer()));
      await publisher.setAnswer(published.event.jsep as { type: string; sdp: string });
      // VideoRoom offers a feed to subscribers only once Janus has its media up (webrtcup); the
      // peer's own "connected" can come first.
      await pubClient.waitFor((m) => m.janus === 'webrtcup' && m.sender === pubHandle, 10_000, pubSince);

      const subSession = await subClient.createSession();
      const subHandle = await subClient.attach(subSession, 'videoroom');
      const since = subClient.mark();
      const subMsg = (body: object, jsep?: object): Record<string, unknown> =>
        ({ janus: 'message', session_id: subSession, handle_id: subHandle, body, ...(jsep ? { jsep } : {}) });
      const attached = await subClient.requestWithEvent(subMsg({ request: 'join', ptype: 'subscriber', room, streams: [{ feed }] }));
      assert.ok(attached.event.jsep, `an offer in ${JSON.stringify(attached.event)}`);
      const answer = await subscriber.answer(attached.event.jsep as { type: string; sdp: string });
      await subClient.requestWithEvent(subMsg({ request: 'start' }, answer));
      await subClient.waitFor((m) => m.janus === 'webrtcup' && m.sender === subHandle, 10_000, since);
      await subscriber.waitForRtp(10, 10_000);
      assert.ok(subscriber.rtpReceived.audio >= 10 && subscriber.rtpReceived.video >= 10);
    } finally {
      await subscriber.close();
      await publisher.close();
      await Promise.all([pubClient.close(), subClient.close()]);
    }
  });

  it('cuts a host off with setLinkUp(false) and restores it with setLinkUp(true)', { timeout: 30_000 }, async () => {
    const j = janus[1]!;
    const existing = await JanusTestClient.connect(j.wsUrl);
    try {
      await j.testHost!.setLinkUp(false);
      assert.equal(await probeWs(j.wsUrl, 'janus-protocol', { janus: 'info' }, 'server_info', 1000), false);
      await j.testHost!.setLinkUp(true);
      assert.equal(await probeWs(j.wsUrl, 'janus-protocol', { janus: 'info' }, 'server_info', 2000), true);
      // The old TCP connection survives a short cut: its request is answered once the link is back.
      assert.equal((await existing.request({ janus: 'ping' }, { timeoutMs: 15_000 })).janus, 'pong');
    } finally {
      await existing.close();
    }
  });

  it('SIGKILL closes the WebSocket; restart() brings the same host back', { timeout: 30_000 }, async () => {
    const j = janus[0]!;
    const client = await JanusTestClient.connect(j.wsUrl);
    const oldPid = j.pid;
    await j.kill('SIGKILL');
    assert.equal(isAlive(oldPid) && procComm(oldPid) === 'janus', false);
    const { code } = await client.closed;
    assert.equal(code, 1006);

    await j.restart();
    assert.notEqual(j.pid, oldPid);
    pids.push(j.pid);
    const again = await JanusTestClient.connect(j.wsUrl);
    try {
      assert.equal((await again.request({ janus: 'info' })).janus, 'server_info');
      const sessions = await adminRequest(j.adminWsUrl, j.adminSecret, { janus: 'list_sessions' });
      assert.deepEqual(sessions.sessions, []);
    } finally {
      await again.close();
    }
  });

  it('starts Redis that answers PING, and stops it by pid', async () => {
    const redis = await startRedis();
    try {
      assert.equal(await redisCommand(redis.port, ['PING']), 'PONG');
      assert.equal(await redisCommand(redis.port, ['SET', 'k', 'v']), 'OK');
      assert.deepEqual(await redisCommand(redis.port, ['MGET', 'k', 'missing']), ['v', null]);
    } finally {
      await redis.stop();
    }
    assert.equal(isAlive(redis.pid), false);
  });

  it('stopAll() leaves no janus process, namespace, record or guard route behind', async () => {
    await stopAll();
    for (const pid of pids) assert.notEqual(procComm(pid), 'janus', `janus pid ${String(pid)} still running`);
    const names = netnsNames();
    for (const ns of ourNamespaces) assert.ok(!names.includes(ns), `${ns} still exists`);
    const records = (() => { try { return readdirSync(RECORD_DIR); } catch { return []; } })();
    for (const ns of ourNamespaces) assert.ok(!records.includes(`${ns}.json`), `record for ${ns} left`);
    // Other test processes may own namespaces; the guard must stay exactly while any exists. Their
    // setup/teardown can be between the two steps for a moment, so poll for a consistent view.
    await pollUntil('guard route present iff a jns-* namespace exists', () => {
      const guard = execFileSync('ip', ['route', 'show', 'exact', '10.213.0.0/16'], { encoding: 'utf8' }).trim();
      return (guard !== '') === netnsNames().some((n) => n.startsWith('jns-')) ? true : undefined;
    }, 3000, 50);
  });
});
