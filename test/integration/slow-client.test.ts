// A client that stops reading its socket is dropped once its unread replies pass
// ws_transport.max_buffered_bytes, instead of growing the proxy's memory without bound.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { pollUntil } from '../support/processes.js';

const MAX_BUFFERED_BYTES = 65_536;
/** Far more reply bytes than loopback's socket buffers hold, so the proxy has to buffer some. */
const REQUESTS = 20_000;

describe('slow client', () => {
  let janus: JanusInstance;
  let proxy: TestProxy;

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    proxy = await startTestProxy([janus], { ws_transport: { max_buffered_bytes: MAX_BUFFERED_BYTES } });
  });
  after(async () => {
    await proxy.stop();
    await janus.stop();
  });

  it('is dropped when it leaves too much unread, and its session goes as on any transport drop', async () => {
    const ws = new WebSocket(proxy.url, 'janus-protocol');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => { resolve(); });
      ws.once('error', reject);
    });
    const created = new Promise<number>((resolve) => {
      ws.once('message', (data: Buffer) => { resolve((JSON.parse(data.toString('utf8')) as { data: { id: number } }).data.id); });
    });
    ws.send(JSON.stringify({ janus: 'create', transaction: 'create' }));
    const sessionId = await created;

    let replies = 0;
    ws.on('message', () => { replies++; });
    const closed = new Promise<void>((resolve) => { ws.once('close', () => { resolve(); }); });
    const socket = (ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    for (let i = 0; i < REQUESTS; i++) ws.send(JSON.stringify({ janus: 'info', transaction: `info-${String(i).padStart(6, '0')}` }));
    // reclaim_session_timeout is 0: as with any socket that dropped, the session goes with it.
    await pollUntil('the slow client to be dropped', () => (proxy.sessions.get(sessionId) === undefined ? true : undefined), 20_000);
    socket.resume();
    await closed;
    assert.ok(replies < REQUESTS, `the client got all ${REQUESTS} replies: it was never dropped`);

    const other = await JanusTestClient.connect(proxy.url);
    try {
      const reply = await other.request({ janus: 'keepalive', session_id: sessionId });
      assert.equal(reply.janus, 'error');
      assert.equal((reply.error as { code: number }).code, 458);
      const info = await other.request({ janus: 'info' });
      assert.equal(info.janus, 'server_info');
    } finally {
      await other.close();
    }
  });
});
