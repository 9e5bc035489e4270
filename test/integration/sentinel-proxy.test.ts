// The sentinel with a real janus-proxy: the proxy learns the Janus from the sentinel's reports
// alone (over its admin API, or straight from the Redis registry), places clients on it, sees it
// `down` then `up` around a kill -9, and sees it leave — `draining` while a client still holds a
// handle there, then `down` — when the sentinel stops, long before the record would expire.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { startTestSentinel, JANUS_ADMIN_SECRET, type TestSentinel } from '../support/sentinel-fixture.js';
import { JanusTestClient, adminRequest } from '../support/janus-client.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { pollUntil } from '../support/processes.js';

const SENTINEL_TOKEN = 'sentinel-token-for-proxy';
const NAME = 'sentinel-test';
const EXPIRE_S = 5;

/** The statuses the proxy's registry shows for a server, each change recorded as it is seen. */
function watchRecord(proxy: TestProxy, name: string): { seen: string[]; waitFor(status: string, timeoutMs: number, since?: number): Promise<number>; stop(): void } {
  const seen: string[] = [];
  const timer = setInterval(() => {
    void proxy.cluster.registry.get(name).then((record) => {
      const status = record?.status ?? 'absent';
      if (seen.at(-1) !== status) seen.push(status);
    });
  }, 5);
  return {
    seen,
    waitFor: (status, timeoutMs, since = 0) =>
      pollUntil(`the proxy to see ${name} ${status} (seen ${seen.join(' → ')})`, () => {
        const index = seen.indexOf(status, since);
        return index >= 0 ? index : undefined;
      }, timeoutMs, 5),
    stop: () => { clearInterval(timer); },
  };
}

async function janusHandles(t: TestSentinel): Promise<number> {
  const { sessions } = await adminRequest(t.janus.adminWsUrl, JANUS_ADMIN_SECRET, { janus: 'list_sessions' });
  let total = 0;
  for (const id of sessions as number[]) {
    total += ((await adminRequest(t.janus.adminWsUrl, JANUS_ADMIN_SECRET, { janus: 'list_handles', session_id: id })).handles as number[]).length;
  }
  return total;
}

describe('sentinel reporting to a real proxy over HTTP', () => {
  let proxy: TestProxy;
  let t: TestSentinel;
  let record: ReturnType<typeof watchRecord>;

  before(async () => {
    proxy = await startTestProxy([], { janus_server: [], admin_api: { sentinel_tokens: [SENTINEL_TOKEN] } });
    record = watchRecord(proxy, NAME);
    t = await startTestSentinel({ proxies: [{ url: proxy.adminUrl!, token: SENTINEL_TOKEN }], config: { report: { expire_s: EXPIRE_S } } });
  });
  after(async () => {
    record.stop();
    await t.stop({ drain: false });
    await proxy.stop();
  });

  it('the proxy learns the Janus from the sentinel and places clients on it', async () => {
    await record.waitFor('up', 10_000);
    assert.ok(await proxy.cluster.waitConnected(10_000));
    const client = await JanusTestClient.connect(proxy.url);
    try {
      const session = await client.createSession();
      await client.attach(session, 'echotest');
      assert.equal(await janusHandles(t), 1);
    } finally {
      await client.close();
    }
  });

  it('kill -9 of Janus: the proxy sees `down`, then `up` after the restart', async () => {
    const since = record.seen.length;
    process.kill(t.pid()!, 'SIGKILL');
    const down = await record.waitFor('down', 3_000, since);
    await record.waitFor('up', 10_000, down + 1);
  });

  it('sentinel stop: the proxy sees `draining` while a handle remains, then `down`, before expiry', async () => {
    assert.ok(await proxy.cluster.waitConnected(10_000));
    const client = await JanusTestClient.connect(proxy.url);
    try {
      const session = await client.createSession();
      const handle = await client.attach(session, 'echotest');
      const since = record.seen.length;
      const stopping = t.stop();
      const draining = await record.waitFor('draining', 5_000, since);
      const drainingAt = Date.now();
      await client.request({ janus: 'detach', session_id: session, handle_id: handle });
      await record.waitFor('down', 5_000, draining + 1);
      assert.ok(Date.now() - drainingAt < EXPIRE_S * 1000, 'down was reported, not waited for by expiry');
      await stopping;
    } finally {
      await client.close();
    }
  });
});

describe('sentinel writing straight into the Redis registry', () => {
  let redis: RedisInstance;
  let proxy: TestProxy;
  let t: TestSentinel;
  let record: ReturnType<typeof watchRecord>;

  before(async () => {
    redis = await startRedis();
    proxy = await startTestProxy([], { janus_server: [], store: { type: 'redis', redis_url: redis.url } });
    record = watchRecord(proxy, NAME);
    t = await startTestSentinel({ config: { report: { proxies: [], redis: { url: redis.url } } } });
  });
  after(async () => {
    record.stop();
    await t.stop({ drain: false });
    await proxy.stop();
    await redis.stop();
  });

  it('the proxy learns the Janus from Redis alone and sees it leave on stop', async () => {
    await record.waitFor('up', 10_000);
    assert.ok(await proxy.cluster.waitConnected(10_000));
    assert.deepEqual(t.sentinel.info().reporting.map((r) => [r.target, r.ok]), [['redis', true]]);
    const since = record.seen.length;
    await t.stop();
    await record.waitFor('down', 5_000, since);
  });
});
