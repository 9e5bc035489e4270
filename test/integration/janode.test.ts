// The official Janode client (npm janode) through the proxy in front of two real Janus hosts, each
// in its own network namespace: create, attach the EchoTest with Janode's plugin class, real media
// with a werift peer on the Janus the handle landed on, then detach, destroy and close.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { createEchoPeer, type EchoPeer } from '../support/werift-peer.js';
import { handleCounts, onlySpareSessionsLeft } from '../support/cluster-helpers.js';
import { pollUntil } from '../support/processes.js';
import {
  captureJanodeLog, isHandleEvent, isMediaEvent, JanodeClient, type JanodeLogCapture,
} from '../support/janode-echo.js';

const TIMEOUT = 10_000;

/** Index of the one Janus that gained exactly one handle. */
function landedOn(before: number[], after: number[]): number {
  const grew = after.map((n, i) => n - (before[i] ?? 0));
  const index = grew.findIndex((d) => d === 1);
  assert.ok(index >= 0 && grew.filter((d) => d !== 0).length === 1, `expected one new handle on one Janus: ${JSON.stringify({ before, after })}`);
  return index;
}

describe('Janode through the proxy on two real Janus servers', () => {
  let janus: JanusInstance[] = [];
  let proxy: TestProxy | undefined;
  let log: JanodeLogCapture | undefined;
  const clients: JanodeClient[] = [];
  const peers: EchoPeer[] = [];

  before(async () => {
    log = captureJanodeLog();
    janus = await startJanusCluster(2, { plugins: ['echotest'] });
    proxy = await startTestProxy(janus);
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(clients.map((c) => c.close()));
    await proxy?.stop();
    await Promise.all(janus.map((j) => j.stop()));
    if (process.env.JANODE_DUMP_LOG === '1') console.log(log?.tail(Infinity));
    log?.restore();
  });

  /** Run `body`; on failure, append Janode's log (every frame at debug level) to the error. */
  async function withJanodeLog(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      const detail = `\n--- Janode log ---\n${log?.tail(60) ?? ''}`;
      if (err instanceof Error) {
        err.message += detail;
        throw err;
      }
      throw new Error(String(err) + detail);
    }
  }

  it('EchoTest: webrtcup, media and echoed RTP through Janode events, then detach, destroy and close cleanly', async () => {
    await withJanodeLog(async () => {
      const client = await JanodeClient.connect(proxy!.url);
      clients.push(client);
      const info = await client.info();
      assert.equal(info.janus, 'server_info');

      const session = await client.createSession(1); // keepalive every second: at least one goes through
      const counts0 = await handleCounts(janus);
      const handle = await client.attachEchoTest(session);
      const landed = janus[landedOn(counts0, await handleCounts(janus))]!;
      assert.ok(landed.peerAddress, 'the Janus runs in a namespace');

      const peer = createEchoPeer({ iceAddress: landed.peerAddress });
      peers.push(peer);
      const offer = await peer.createOffer();
      // Like a browser client: the end-of-candidates trickle goes out before the answer is back.
      const [result] = await Promise.all([
        handle.start({ audio: true, video: true, jsep: offer }),
        handle.trickleComplete(),
      ]);
      assert.equal(result.result, 'ok');
      assert.equal(result.jsep?.type, 'answer');
      await peer.setAnswer(result.jsep);

      const { events } = client;
      await events.waitFor(isHandleEvent('handle_webrtcup', handle.id), 'webrtcup', TIMEOUT);
      await events.waitFor((e) => isMediaEvent(e, handle.id, 'audio', true), 'media audio receiving', TIMEOUT);
      await events.waitFor((e) => isMediaEvent(e, handle.id, 'video', true), 'media video receiving', TIMEOUT);
      await peer.waitForRtp(10, TIMEOUT);
      assert.ok(peer.rtpReceived.audio >= 10 && peer.rtpReceived.video >= 10, `echoed RTP ${JSON.stringify(peer.rtpReceived)}`);

      // Janode logs "keep-alive OK" (verbose) when the proxy's ack reached the session.
      await pollUntil('a Janode keepalive answered through the proxy', () => (
        log!.entries.some((e) => e.text.includes('keep-alive OK')) ? true : undefined
      ), 5_000, 50);

      await client.detach(handle);
      assert.equal((await handleCounts([landed]))[0], 0, 'the backend handle is gone');
      assert.equal(events.events.filter(isHandleEvent('handle_ice_failed', handle.id)).length, 0);

      await client.destroy(session);
      await pollUntil('only spare sessions left on the Janus servers', async () => {
        const done = await Promise.all(janus.map((j) => onlySpareSessionsLeft(j)));
        return done.every(Boolean) ? true : undefined;
      }, 5_000);

      await client.close();
      assert.ok(events.events.some((e) => e.source === 'connection' && e.name === 'connection_closed'));
      assert.deepEqual(log!.unexpectedProblems(), [], 'Janode logged no warnings or errors (every frame was routable)');
    });
  });
});
