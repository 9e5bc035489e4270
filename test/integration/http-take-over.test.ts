// HTTP behind a load balancer without stickiness: two proxies (separate processes) on one real Redis
// in front of a real Janus. Each request of one HTTP client goes to either proxy; requests and long
// polls for a session the other proxy holds are answered from there (forwarded over the bus). When
// the owning proxy is SIGKILLed, the next request takes the session over: same ids, handle alive.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { sharedStore } from '../support/shared-store-proxies.js';
import { JanusHttpClient } from '../support/janus-http-client.js';
import { freePort } from '../support/processes.js';

const ECHO_BODY = { bitrate: 128000 };

describe('HTTP clients need no sticky load balancing between proxies', { timeout: 90_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  const proxies: ProxyProcess[] = [];
  const http: JanusHttpClient[] = [];

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(1, { netns: false, plugins: ['echotest'], reclaimSessionTimeout: 10 })]);
    for (const name of ['proxy-a', 'proxy-b']) {
      const port = await freePort();
      proxies.push(await startProxyProcess(janus, {
        store: sharedStore(redis),
        general: { server_name: name },
        http_transport: { enabled: true, host: '127.0.0.1', port },
      }));
      http.push(new JanusHttpClient(`http://127.0.0.1:${String(port)}/janus`));
    }
  });
  after(async () => {
    await Promise.all(http.map((c) => c.stopPolling()));
    await Promise.all(proxies.map((p) => p.stop()));
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  it('requests and long polls for a session held by the other proxy are answered from there; after its SIGKILL the session moves', async () => {
    const [a, b] = [http[0]!, http[1]!];
    const sessionId = await a.create();
    const handleId = await b.attach(sessionId); // forwarded to A, which holds the session
    b.startPolling(sessionId); // long polls at B, served from A's queue
    const since = b.mark();
    const ack = await a.post(`/${String(sessionId)}/${String(handleId)}`, { janus: 'message', body: ECHO_BODY });
    assert.equal(ack.janus, 'ack');
    const event = await b.waitFor((m) => m.janus === 'event' && m.sender === handleId, 10_000, since);
    assert.equal((event.plugindata as { data: { result?: string } }).data.result, 'ok');
    const keepalive = await b.post(`/${String(sessionId)}`, { janus: 'keepalive' });
    assert.equal(keepalive.janus, 'ack');

    await proxies[0]!.kill('SIGKILL');
    // The next request for the session, at B, takes it over; polls at B are then served by B itself.
    const after = b.mark();
    const moved = await b.post(`/${String(sessionId)}/${String(handleId)}`, { janus: 'message', body: ECHO_BODY });
    assert.equal(moved.janus, 'ack', JSON.stringify(moved));
    const again = await b.waitFor((m) => m.janus === 'event' && m.sender === handleId, 15_000, after);
    assert.equal((again.plugindata as { data: { result?: string } }).data.result, 'ok');
    assert.ok((await b.attach(sessionId)) > 0, 'new attaches work on the session after the move');
  });
});
