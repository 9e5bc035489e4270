// Starting and stopping the proxy as a whole: a start that fails halfway leaves nothing running.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import WebSocket from 'ws';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy } from '../support/proxy-fixture.js';
import { freePort } from '../support/processes.js';

/** Resolves with how a WebSocket handshake to `url` ended: 'open' or the socket error's code. */
function tryConnect(url: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'janus-protocol');
    ws.once('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? err.message); });
  });
}

describe('proxy lifecycle', () => {
  let janus: JanusInstance;
  let blocker: Server;
  let takenPort: number;

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    blocker = createServer();
    await new Promise<void>((resolve) => { blocker.listen(0, '127.0.0.1', resolve); });
    takenPort = (blocker.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => { blocker.close(() => { resolve(); }); });
    await janus.stop();
  });

  it('a start that fails on a taken port closes what it had already started', async () => {
    const wsPort = await freePort();
    await assert.rejects(
      startTestProxy([janus], { ws_transport: { port: wsPort }, http_transport: { port: takenPort } }),
      (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE',
    );
    // The WebSocket transport had been listening before the HTTP one failed.
    assert.equal(await tryConnect(`ws://127.0.0.1:${wsPort}`), 'ECONNREFUSED');
  });

  it('stop() twice is harmless', async () => {
    const proxy = await startTestProxy([janus]);
    await proxy.stop();
    await proxy.stop();
    assert.equal(await tryConnect(proxy.url), 'ECONNREFUSED');
  });
});
