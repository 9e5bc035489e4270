// Proxies behind one address: a real HAProxy running the shipped conf/haproxy.cfg in front of three
// proxy processes that share a real Redis, in front of a real Janus. WebSockets spread over the
// proxies; HTTP requests of one session go round-robin over all of them (no stickiness) and its
// long-poll events still arrive; after a proxy's SIGKILL its WebSocket clients reconnect to the same
// address and claim their sessions; after `POST /drain` on a proxy, HAProxy's health check (/readyz
// answers 503) takes it out and new connections and requests go to the others only.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import type { JanusTestClient } from '../support/janus-client.js';
import { JanusHttpClient, bodyOf } from '../support/janus-http-client.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { TestClients } from '../support/shared-store-proxies.js';
import type { HaproxyInstance } from '../support/haproxy-fixture.js';
import { startBalancedProxies, type BalancedMember, type BalancedProxies } from '../support/balanced-proxies.js';
import { echotestHandle, type EchoSetup } from '../support/cluster-helpers.js';

const ECHO_BODY = { bitrate: 128000 };
/** Longer than HAProxy needs to see a drained proxy down (fall 2 × inter 1 s), as the config asks. */
const GRACE_S = 4;

async function echoes(client: JanusTestClient, sessionId: number, handleId: number): Promise<boolean> {
  const { event } = await client.requestWithEvent({ janus: 'message', session_id: sessionId, handle_id: handleId, body: ECHO_BODY });
  return (event.plugindata as { data: { result?: string } }).data.result === 'ok';
}

async function serverName(client: JanusTestClient): Promise<string> {
  return String((await client.request({ janus: 'info' }))['server-name']);
}

describe('proxies behind one address: the shipped HAProxy config', { timeout: 150_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  let cluster: BalancedProxies | undefined;
  const clients = new TestClients();
  /** WebSocket clients connected through HAProxy, with the proxy that answered and a session each. */
  const viaLb: { client: JanusTestClient; proxy: string; setup: EchoSetup }[] = [];
  let httpClient: JanusHttpClient | undefined;
  /** The session the HTTP client made through HAProxy. */
  let httpSession: EchoSetup | undefined;

  // Set by before(); undefined only when it failed, and then no test runs.
  const lbOf = (): HaproxyInstance => cluster!.lb;
  const httpOf = (): JanusHttpClient => httpClient!;
  const httpServerName = async (): Promise<string> => String((bodyOf(await httpOf().get('/info')) as Record<string, unknown>)['server-name']);
  const membersOf = (): readonly BalancedMember[] => cluster?.members ?? [];
  const member = (i: number): BalancedMember => membersOf()[i]!;

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(1, { netns: false, plugins: ['echotest'], reclaimSessionTimeout: 20 })]);
    cluster = await startBalancedProxies(janus, redis, {}, GRACE_S);
    httpClient = new JanusHttpClient(cluster.lb.httpUrl);
  });
  after(async () => {
    await httpClient?.stopPolling();
    await clients.closeAll();
    await cluster?.stop(); // haproxy by pid; the fixture's exit hook kills it too if a test threw first
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  it('WebSocket clients through HAProxy are spread over every proxy (leastconn, per connection)', async () => {
    for (let i = 0; i < 2 * membersOf().length; i++) {
      const client = await clients.connect(lbOf().wsUrl);
      viaLb.push({ client, proxy: await serverName(client), setup: await echotestHandle(client) });
    }
    const perProxy = membersOf().map((m) => viaLb.filter((c) => c.proxy === m.name).length);
    assert.deepEqual(perProxy, membersOf().map(() => 2), `connections per proxy: ${JSON.stringify(perProxy)}`);
    for (const { client, setup } of viaLb) assert.ok(await echoes(client, setup.sessionId, setup.handleId));
  });

  it('HTTP without stickiness: the requests of one session go round-robin over every proxy, its long-poll events arrive', async () => {
    const names = [];
    for (let i = 0; i < membersOf().length; i++) names.push(await httpServerName());
    assert.deepEqual(new Set(names), new Set(membersOf().map((m) => m.name)), `info answered by ${names.join(', ')}`);

    const before = await lbOf().servers();
    const sessionId = await httpOf().create();
    const handleId = await httpOf().attach(sessionId);
    httpSession = { sessionId, handleId };
    httpOf().startPolling(sessionId);
    for (let i = 0; i < 2 * membersOf().length; i++) {
      const since = httpOf().mark();
      const ack = await httpOf().post(`/${String(sessionId)}/${String(handleId)}`, { janus: 'message', body: ECHO_BODY });
      assert.equal(ack.janus, 'ack', JSON.stringify(ack));
      const event = await httpOf().waitFor((m) => m.janus === 'event' && m.sender === handleId, 10_000, since);
      assert.equal((event.plugindata as { data: { result?: string } }).data.result, 'ok');
    }
    // Every proxy took some of the session's requests (HAProxy counts them per server).
    const after = await lbOf().servers();
    const served = membersOf().map((m) => {
      const count = (rows: typeof before): number => rows.find((s) => s.backend === 'janus_proxies_http' && s.server === m.server)?.sessionsTotal ?? 0;
      return count(after) - count(before);
    });
    assert.ok(served.every((n) => n > 0), `requests per proxy: ${JSON.stringify(served)}`);
  });

  it('SIGKILL of a proxy: its WebSocket clients reconnect to the same address and claim their sessions; HTTP goes on', async () => {
    const victim = member(0);
    const orphans = viaLb.filter((c) => c.proxy === victim.name);
    await victim.process.kill('SIGKILL');
    for (const orphan of orphans) await orphan.client.closed;
    // At once, before the health check has noticed: a refused connection is redispatched.
    for (const orphan of orphans) {
      const client = await clients.connect(lbOf().wsUrl);
      const proxy = await serverName(client);
      assert.notEqual(proxy, victim.name);
      const claimed = await client.request({ janus: 'claim', session_id: orphan.setup.sessionId });
      assert.equal(claimed.janus, 'success', JSON.stringify(claimed));
      assert.ok(await echoes(client, orphan.setup.sessionId, orphan.setup.handleId), 'the old handle answers');
      Object.assign(orphan, { client, proxy });
    }
    await lbOf().waitForStatus(victim.server, 'DOWN');

    // The HTTP session (perhaps held by the dead proxy) keeps answering; polls resume.
    await httpOf().stopPolling();
    const { sessionId, handleId } = httpSession!;
    // One request first: if the session was the dead proxy's, it is taken over here. (A long poll
    // and a request racing to take over the same session can lose the event of that request: seen
    // once in this test, reported on issue #11; janus.js polls and sends concurrently.)
    assert.equal((await httpOf().post(`/${String(sessionId)}`, { janus: 'keepalive' })).janus, 'ack');
    httpOf().startPolling(sessionId);
    for (let i = 0; i < 4; i++) {
      const since = httpOf().mark();
      const ack = await httpOf().post(`/${String(sessionId)}/${String(handleId)}`, { janus: 'message', body: ECHO_BODY });
      assert.equal(ack.janus, 'ack', JSON.stringify(ack));
      await httpOf().waitFor((m) => m.janus === 'event' && m.sender === handleId, 15_000, since);
    }
  });

  it('POST /drain: HAProxy sees /readyz 503 and sends new connections and requests to the other proxies only', async () => {
    const [drained, survivor] = [member(1), member(2)];
    const stayers = viaLb.filter((c) => c.proxy === drained.name);
    assert.ok(stayers.length > 0);
    assert.equal((await drained.admin.ok<{ status: string }>('POST', '/drain')).status, 'draining');
    await lbOf().waitForStatus(drained.server, 'DOWN');
    for (let i = 0; i < 4; i++) {
      const client = await clients.connect(lbOf().wsUrl);
      assert.equal(await serverName(client), survivor.name, 'a new WebSocket reaches the proxy still up');
      assert.equal(await httpServerName(), survivor.name, 'a new HTTP request reaches the proxy still up');
    }
    // Existing clients of the drained proxy keep working until it closes them after the grace
    // period; then they reconnect through HAProxy, reach the survivor and claim.
    for (const stayer of stayers) {
      assert.equal((await stayer.client.closed).code, 1001);
      const client = await clients.connect(lbOf().wsUrl);
      assert.equal(await serverName(client), survivor.name);
      assert.equal((await client.request({ janus: 'claim', session_id: stayer.setup.sessionId })).janus, 'success');
      assert.ok(await echoes(client, stayer.setup.sessionId, stayer.setup.handleId));
    }
  });
});
