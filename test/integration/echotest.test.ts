// EchoTest through the proxy in front of two real Janus hosts (each in its own network namespace):
// placement over both, real media with werift, and what a client sees when its Janus dies.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { createEchoPeer, type EchoPeer } from '../support/werift-peer.js';
import { echotestHandle, handleCounts, isEvent, runEchoMedia, sessionsWithHandles } from '../support/cluster-helpers.js';
import { countingRewrites } from '../support/relayed-spy.js';

/** Index of the Janus that gained a handle between two snapshots. */
function grown(before: number[], after: number[]): number {
  const index = after.findIndex((n, i) => n > (before[i] ?? 0));
  assert.ok(index >= 0, `no Janus gained a handle: ${JSON.stringify({ before, after })}`);
  return index;
}

describe('echotest through the proxy on two real Janus servers', () => {
  let janus: JanusInstance[];
  let proxy: TestProxy;
  const peers: EchoPeer[] = [];
  const clients: JanusTestClient[] = [];

  before(async () => {
    janus = await startJanusCluster(2, { plugins: ['echotest'] });
    proxy = await startTestProxy(janus);
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(clients.map((c) => c.close()));
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  async function connect(): Promise<JanusTestClient> {
    const client = await JanusTestClient.connect(proxy.url);
    clients.push(client);
    return client;
  }

  it('places consecutive echotest handles on different backends', async () => {
    const counts0 = await handleCounts(janus);
    const a = await echotestHandle(await connect());
    const counts1 = await handleCounts(janus);
    const b = await echotestHandle(await connect());
    const counts2 = await handleCounts(janus);
    assert.notEqual(grown(counts0, counts1), grown(counts1, counts2));
    assert.notEqual(a.handleId, b.handleId);
    // One backend session per client session: each Janus now has exactly one session in use.
    assert.deepEqual((await Promise.all(janus.map((j) => sessionsWithHandles(j)))).map((s) => s.length), [1, 1]);
  });

  it('carries real media: webrtcup, media and echoed RTP reach a werift peer', async () => {
    const client = await connect();
    const counts0 = await handleCounts(janus);
    const { sessionId, handleId } = await echotestHandle(client);
    const landed = janus[grown(counts0, await handleCounts(janus))]!;
    const peer = createEchoPeer({ iceAddress: landed.peerAddress });
    peers.push(peer);
    await runEchoMedia(client, sessionId, handleId, peer);
  });

  it('relays real Janus\'s plugin events unparsed: the client\'s ids and transaction spliced into Janus\'s own compact bytes', async () => {
    const client = await connect();
    const { sessionId, handleId } = await echotestHandle(client);
    const transaction = 'unparsed-1';
    let event: Record<string, unknown> | undefined;
    const rewritten = await countingRewrites(async () => {
      ({ event } = await client.requestWithEvent({ janus: 'message', session_id: sessionId, handle_id: handleId, transaction, body: { audio: true, bitrate: 128000 } }));
    });
    assert.ok(rewritten >= 1, 'the event took the unparsed path');
    assert.deepEqual(event?.plugindata, { plugin: 'janus.plugin.echotest', data: { echotest: 'event', result: 'ok' } });
    const raw = client.rawFrames.find((f) => f.includes('"event"') && f.includes(`"${transaction}"`));
    assert.ok(raw, 'the event frame');
    // Janus 1.1.2's own key order and compact spelling, with the client's ids in place of the backend's.
    assert.equal(raw, JSON.stringify({
      janus: 'event', session_id: sessionId, transaction, sender: handleId,
      plugindata: { plugin: 'janus.plugin.echotest', data: { echotest: 'event', result: 'ok' } },
    }));
  });

  it('tells the client hangup + detached within 3 s when its Janus is killed, and the session lives on', async () => {
    const client = await connect();
    const counts0 = await handleCounts(janus);
    const { sessionId, handleId } = await echotestHandle(client);
    const victimIndex = grown(counts0, await handleCounts(janus));
    const victim = janus[victimIndex]!;
    const survivor = janus[1 - victimIndex]!;
    const peer = createEchoPeer({ iceAddress: victim.peerAddress });
    peers.push(peer);
    await runEchoMedia(client, sessionId, handleId, peer);

    const since = client.mark();
    const killedAt = Date.now();
    await victim.kill('SIGKILL');
    const hangup = await client.waitFor(isEvent('hangup', handleId), 3_000, since);
    const detached = await client.waitFor(isEvent('detached', handleId), 3_000, since);
    assert.ok(Date.now() - killedAt < 3_000);
    assert.equal(hangup.session_id, sessionId);
    assert.equal(detached.session_id, sessionId);
    assert.ok(client.frames.indexOf(hangup) < client.frames.indexOf(detached), 'hangup comes before detached');

    const keepalive = await client.request({ janus: 'keepalive', session_id: sessionId });
    assert.equal(keepalive.janus, 'ack');
    const gone = await client.request({ janus: 'message', session_id: sessionId, handle_id: handleId, body: {} });
    assert.equal((gone.error as { code: number }).code, 459);

    const before = await handleCounts([survivor]);
    await client.attach(sessionId, 'janus.plugin.echotest');
    const after = await handleCounts([survivor]);
    assert.equal(after[0], (before[0] ?? 0) + 1, 'the new handle is on the surviving Janus');
    await victim.restart();
  });

  it('uses the restarted Janus again once it is back', async () => {
    await proxy.cluster.waitConnected(10_000);
    const counts0 = await handleCounts(janus);
    const seen = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const before = await handleCounts(janus);
      await echotestHandle(await connect());
      seen.add(grown(before, await handleCounts(janus)));
    }
    assert.equal(seen.size, 2, `placements used both backends (${JSON.stringify(counts0)})`);
  });
});
