// A Janus host silently cut off the network (no TCP reset): the proxy's WebSocket pings notice,
// fail its handles over to the client as Janus would, and use the host again once it is back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { echotestHandle, handleCounts, isEvent } from '../support/cluster-helpers.js';

describe('a backend cut off the network', () => {
  let janus: JanusInstance[];
  let proxy: TestProxy;

  before(async () => {
    janus = await startJanusCluster(2, { plugins: ['echotest'] });
    proxy = await startTestProxy(janus, { backends: { ping_interval_ms: 300 } });
  });
  after(async () => {
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
  });

  it('detaches the handles on it within 3 s, places new ones elsewhere, and takes it back after', async () => {
    const client = await JanusTestClient.connect(proxy.url);
    try {
      const before = await handleCounts(janus);
      const { sessionId, handleId } = await echotestHandle(client);
      const after = await handleCounts(janus);
      const cutIndex = after.findIndex((n, i) => n > (before[i] ?? 0));
      const cut = janus[cutIndex]!;
      const other = janus[1 - cutIndex]!;

      const since = client.mark();
      await cut.testHost!.setLinkUp(false);
      await client.waitFor(isEvent('detached', handleId), 3_000, since);
      assert.equal((await client.request({ janus: 'keepalive', session_id: sessionId })).janus, 'ack');

      const otherBefore = await handleCounts([other]);
      await client.attach(sessionId, 'janus.plugin.echotest');
      assert.equal((await handleCounts([other]))[0], (otherBefore[0] ?? 0) + 1);

      await cut.testHost!.setLinkUp(true);
      assert.ok(await proxy.cluster.waitConnected(15_000), 'the proxy reconnects to the restored host');
      const cutBefore = await handleCounts([cut]);
      await client.attach(sessionId, 'janus.plugin.echotest');
      await client.attach(sessionId, 'janus.plugin.echotest');
      assert.ok((await handleCounts([cut]))[0]! > cutBefore[0]!, 'new handles land on the restored host again');
    } finally {
      await client.close();
    }
  });
});
