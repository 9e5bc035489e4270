// The client WebSocket transport over TLS (wss://) when a certificate and key are configured.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { frameText } from '../../src/protocol/frames.js';

describe('wss transport', () => {
  let janus: JanusInstance;
  let proxy: TestProxy;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jc-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    proxy = await startTestProxy([janus], { ws_transport: { tls: { cert_pem: join(dir, 'cert.pem'), cert_key: join(dir, 'key.pem') } } });
  });
  after(async () => {
    await proxy.stop();
    await janus.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the Janus API on wss:// with the configured certificate', async () => {
    assert.match(proxy.url, /^wss:\/\//);
    const ws = new WebSocket(proxy.url, 'janus-protocol', { rejectUnauthorized: false });
    const reply = await new Promise<{ janus: string }>((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => { ws.send(JSON.stringify({ janus: 'ping', transaction: 'tls' })); });
      ws.once('message', (data: WebSocket.RawData) => { resolve(JSON.parse(frameText(data)) as { janus: string }); });
    });
    ws.close();
    assert.equal(reply.janus, 'pong');
  });
});
