// Keeping sessions alive and noticing dead peers, against a real Janus with a short session_timeout:
// the proxy's backend sessions outlive Janus's session_timeout through its keepalives while a direct
// session left idle times out, and a client that stops answering WebSocket pings is dropped
// (ws_transport.ping_interval_ms) with its session and handles.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient, rawToString } from '../support/janus-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { countHandles, echotestHandle, listSessions } from '../support/cluster-helpers.js';
import { pollUntil } from '../support/processes.js';

const SESSION_TIMEOUT_S = 8;
const CLIENT_PING_MS = 300;

/** A client whose WebSocket never answers pings, as a peer that vanished without closing would. */
class DeadClient {
  private readonly replies = new Map<string, (msg: Record<string, unknown>) => void>();
  readonly closed: Promise<void>;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(rawToString(data)) as Record<string, unknown>;
      if (typeof msg.transaction === 'string') this.replies.get(msg.transaction)?.(msg);
    });
    this.closed = new Promise((resolve) => { ws.on('close', () => { resolve(); }); });
  }

  static async connect(url: string): Promise<DeadClient> {
    const ws = new WebSocket(url, 'janus-protocol', { autoPong: false });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    return new DeadClient(ws);
  }

  request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const transaction = `dead-${String(this.replies.size)}`;
    return new Promise((resolve) => {
      this.replies.set(transaction, resolve);
      this.ws.send(JSON.stringify({ ...body, transaction }));
    });
  }

  terminate(): void {
    this.ws.terminate();
  }
}

describe('liveness with a real Janus', () => {
  let janus: JanusInstance;
  let proxy: TestProxy;

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['echotest'], sessionTimeout: SESSION_TIMEOUT_S });
    proxy = await startTestProxy([janus], { backends: { spare_sessions: 0 }, ws_transport: { ping_interval_ms: CLIENT_PING_MS } });
  });
  after(async () => {
    await proxy.stop();
    await janus.stop();
  });

  it(`keeps its backend session alive past Janus's session_timeout (${String(SESSION_TIMEOUT_S)} s) while the client is silent`, { timeout: 60_000 }, async () => {
    const client = await JanusTestClient.connect(proxy.url);
    const direct = await JanusTestClient.connect(janus.wsUrl);
    try {
      const { sessionId, handleId } = await echotestHandle(client);
      // Created after the proxy's backend session and left idle: when Janus times it out, the
      // proxy's session has been idle on the client side for longer than session_timeout too.
      const idle = await direct.createSession();
      await direct.waitFor((m) => m.janus === 'timeout' && m.session_id === idle, (SESSION_TIMEOUT_S + 10) * 1000);
      const sessions = await listSessions(janus);
      assert.ok(!sessions.includes(idle) && sessions.length === 1, `sessions left: ${JSON.stringify(sessions)}`);
      assert.equal(await countHandles(janus), 1, 'the proxy\'s backend handle is still there');
      const since = client.mark();
      client.send({ janus: 'message', session_id: sessionId, handle_id: handleId, body: { audio: true } });
      const event = await client.waitFor((m) => m.janus === 'event' && m.sender === handleId, 5_000, since);
      assert.equal((event.plugindata as { data: { result?: string } }).data.result, 'ok', JSON.stringify(event));
    } finally {
      await client.close();
      await direct.close();
    }
  });

  it(`drops a client that stops answering pings (ping_interval_ms ${String(CLIENT_PING_MS)}), with its session and handles`, { timeout: 15_000 }, async () => {
    const dead = await DeadClient.connect(proxy.url);
    try {
      const created = await dead.request({ janus: 'create' });
      const sessionId = (created.data as { id: number }).id;
      const attached = await dead.request({ janus: 'attach', session_id: sessionId, plugin: 'janus.plugin.echotest' });
      assert.equal(attached.janus, 'success', JSON.stringify(attached));
      const handlesBefore = await countHandles(janus);
      assert.ok(handlesBefore >= 1);
      const startedAt = Date.now();
      await dead.closed;
      const elapsedMs = Date.now() - startedAt;
      assert.ok(elapsedMs <= CLIENT_PING_MS * 3 + 1_000, `dropped after ${String(elapsedMs)} ms`);
      await pollUntil('the dead client\'s backend handle detached', async () => ((await countHandles(janus)) === handlesBefore - 1 ? true : undefined), 5_000);
    } finally {
      dead.terminate();
    }
  });
});
