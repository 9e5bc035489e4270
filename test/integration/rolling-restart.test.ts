// Rolling restart: three proxies (separate processes) on one real Redis in front of a real Janus,
// 200 WebSocket clients spread over them, each with a session and an EchoTest handle. Each proxy in
// turn gets SIGTERM and is replaced by a new one; its clients reconnect to another proxy and claim
// their sessions, as janus.js reconnect() does. No session is lost, and every handle still answers.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { sharedStore } from '../support/shared-store-proxies.js';
import { echotestHandle } from '../support/cluster-helpers.js';

const CLIENTS = 200;

/** One janus.js-like client: a socket, a session and a handle; on a closed socket it reconnects elsewhere and claims. */
class ReconnectingClient {
  private constructor(
    public socket: JanusTestClient,
    public url: string,
    readonly sessionId: number,
    readonly handleId: number,
  ) {}

  static async start(url: string): Promise<ReconnectingClient> {
    const socket = await JanusTestClient.connect(url);
    const { sessionId, handleId } = await echotestHandle(socket);
    return new ReconnectingClient(socket, url, sessionId, handleId);
  }

  /** Reconnects to `url` and claims the session; resolves with the claim's reply. */
  async moveTo(url: string): Promise<JanusMessage> {
    await this.socket.closed;
    this.socket = await JanusTestClient.connect(url);
    this.url = url;
    return this.socket.request({ janus: 'claim', session_id: this.sessionId });
  }

  async echo(): Promise<string | undefined> {
    const { event } = await this.socket.requestWithEvent({ janus: 'message', session_id: this.sessionId, handle_id: this.handleId, body: { bitrate: 64000 } });
    return (event.plugindata as { data: { result?: string } }).data.result;
  }
}

describe('rolling restart of three proxies under 200 connected clients', { timeout: 170_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  const proxies: ProxyProcess[] = [];
  const retired: ProxyProcess[] = [];
  const clients: ReconnectingClient[] = [];

  const startOne = (name: string): Promise<ProxyProcess> =>
    startProxyProcess(janus, { store: sharedStore(redis), general: { server_name: name } });

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(1, { netns: false, plugins: ['echotest'], reclaimSessionTimeout: 20 })]);
    proxies.push(...(await Promise.all(['p1', 'p2', 'p3'].map((n) => startOne(n)))));
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.socket.close()));
    await Promise.all([...proxies, ...retired].map((p) => p.stop()));
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  it('SIGTERM each proxy in turn: every client reconnects, claims its session and keeps its handle', async () => {
    for (let i = 0; i < CLIENTS; i += 20) {
      clients.push(...(await Promise.all(Array.from({ length: 20 }, (_, k) => ReconnectingClient.start(proxies[(i + k) % 3]!.url)))));
    }
    for (let turn = 0; turn < 3; turn++) {
      const leaving = proxies.shift()!;
      const moving = clients.filter((c) => c.url === leaving.url);
      assert.ok(moving.length > 0);
      const replacement = startOne(`p${String(turn + 4)}`);
      await leaving.kill('SIGTERM');
      retired.push(leaving);
      const claims = await Promise.all(moving.map((c, k) => c.moveTo(proxies[k % proxies.length]!.url)));
      const failed = claims.filter((r) => r.janus !== 'success');
      assert.equal(failed.length, 0, `turn ${String(turn)}: ${String(failed.length)} of ${String(moving.length)} claims failed, e.g. ${JSON.stringify(failed[0])}`);
      proxies.push(await replacement);
    }
    const results = await Promise.all(clients.map((c) => c.echo()));
    assert.equal(results.filter((r) => r === 'ok').length, CLIENTS, 'every handle answers after the restarts');
  });
});
