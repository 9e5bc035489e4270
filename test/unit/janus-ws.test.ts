// JanusWs (src/backend/janus-ws.ts) against a scripted WebSocket server on loopback: replies settle
// their request once, plugin events do not, Janus errors keep their code, a missing reply times out
// and a closed socket rejects what is pending and tells the onClosed listeners once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { JanusWs } from '../../src/backend/janus-ws.js';
import { JanusError, isBackendFailure } from '../../src/protocol/errors.js';

/** Answers by the request's `janus`: ping → pong, fail → error 458, event → event then success, silent → nothing, close → closes. */
function scriptedJanus(): WebSocketServer {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => [...protocols][0] ?? false });
  server.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { janus: string; transaction: string };
      const { transaction } = msg;
      const send = (reply: object): void => { socket.send(JSON.stringify({ ...reply, transaction })); };
      switch (msg.janus) {
        case 'ping': send({ janus: 'pong' }); break;
        case 'fail': send({ janus: 'error', error: { code: 458, reason: 'No such session 1' } }); break;
        case 'event':
          send({ janus: 'event', plugindata: { data: { first: true } } });
          send({ janus: 'success', data: { second: true } });
          break;
        case 'close': socket.terminate(); break;
        default: break; // 'silent': never answered
      }
    });
  });
  return server;
}

describe('JanusWs', () => {
  let server: WebSocketServer;
  let url: string;

  before(async () => {
    server = scriptedJanus();
    await new Promise<void>((resolve) => { server.once('listening', resolve); });
    url = `ws://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  });

  it('settles a request on its reply, not on a plugin event with the same transaction', async () => {
    const ws = await JanusWs.connect(url, 'janus-protocol', 2000);
    try {
      assert.equal((await ws.request({ janus: 'ping' }, 2000)).janus, 'pong');
      assert.deepEqual((await ws.request({ janus: 'event' }, 2000)).data, { second: true });
    } finally {
      ws.close();
    }
  });

  it('rejects on an error reply with Janus\'s code and reason', async () => {
    const ws = await JanusWs.connect(url, 'janus-admin-protocol', 2000);
    try {
      const err: unknown = await ws.request({ janus: 'fail' }, 2000).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof JanusError);
      assert.equal(err.code, 458);
      assert.equal(err.message, 'No such session 1');
      assert.equal(isBackendFailure(err), false);
    } finally {
      ws.close();
    }
  });

  it('rejects a request with no reply by its deadline, as a backend failure', async () => {
    const ws = await JanusWs.connect(url, 'janus-protocol', 2000);
    try {
      await assert.rejects(ws.request({ janus: 'silent' }, 50), (err: unknown) => isBackendFailure(err) && (err as Error).message === 'Backend request timed out');
      assert.equal(ws.isOpen, true);
      assert.equal((await ws.request({ janus: 'ping' }, 2000)).janus, 'pong');
    } finally {
      ws.close();
    }
  });

  it('when the socket closes: rejects what is pending, tells each onClosed listener once, refuses new requests', async () => {
    const ws = await JanusWs.connect(url, 'janus-protocol', 2000);
    const closed: string[] = [];
    ws.onClosed(() => { throw new Error('a failing listener is skipped'); });
    ws.onClosed(() => { closed.push('told'); });
    const removed = ws.onClosed(() => { closed.push('removed listener told'); });
    removed();
    const pending = ws.request({ janus: 'silent' }, 10_000);
    const closing = ws.request({ janus: 'close' }, 10_000);
    for (const result of await Promise.allSettled([pending, closing])) {
      assert.equal(result.status, 'rejected');
      assert.ok(isBackendFailure(result.reason));
      assert.equal((result.reason as Error).message, 'Backend connection lost');
    }
    assert.deepEqual(closed, ['told']);
    assert.equal(ws.isOpen, false);
    await assert.rejects(ws.request({ janus: 'ping' }, 2000), (err: unknown) => isBackendFailure(err));
    ws.close();
    assert.deepEqual(closed, ['told']);
  });

  it('rejects connect when nothing listens', async () => {
    const probe = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => { probe.once('listening', resolve); });
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => { probe.close(() => { resolve(); }); });
    await assert.rejects(JanusWs.connect(`ws://127.0.0.1:${String(port)}`, 'janus-protocol', 2000));
  });
});
