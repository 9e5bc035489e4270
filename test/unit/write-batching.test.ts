import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { BatchedSender } from '../../src/protocol/write-batching.js';

const socketOf = (ws: WebSocket): Socket => (ws as unknown as { _socket: Socket })._socket;

describe('BatchedSender', () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const received: string[] = [];
  server.on('connection', (ws) => ws.on('message', (data: Buffer) => received.push(data.toString('utf8'))));
  before(() => once(server, 'listening'));
  after(() => {
    for (const client of server.clients) client.terminate();
    return new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  });

  it('holds the frames of one event-loop turn for one write, also when created before the handshake', async (t) => {
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    t.after(() => { ws.terminate(); });
    const sender = new BatchedSender(ws); // as a backend connection does: no socket exists yet
    await once(ws, 'open');
    const socket = socketOf(ws);

    sender.send('one');
    sender.send('two');
    sender.send('three');
    assert.equal(socket.writableCorked, 1, 'corked until the turn ends');
    assert.ok(socket.writableLength > 0, 'frames buffered, not written');

    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(socket.writableCorked, 0, 'uncorked once the turn is over');
    while (received.length < 3) await once(server.clients.values().next().value as WebSocket, 'message');
    assert.deepEqual(received, ['one', 'two', 'three']);
  });

  it('uncorks every socket corked in one turn, with one flush for all of them', async (t) => {
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const [a, b] = [new WebSocket(url), new WebSocket(url)];
    t.after(() => { a.terminate(); b.terminate(); });
    await Promise.all([once(a, 'open'), once(b, 'open')]);
    const [senderA, senderB] = [new BatchedSender(a), new BatchedSender(b)];
    received.length = 0;
    senderA.send('a1');
    senderB.send('b1');
    senderA.send('a2');
    assert.equal(socketOf(a).writableCorked, 1, 'corked once, however many frames');
    assert.equal(socketOf(b).writableCorked, 1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(socketOf(a).writableCorked, 0);
    assert.equal(socketOf(b).writableCorked, 0);
    // Corked again in the next turn, and flushed again.
    senderB.send('b2');
    assert.equal(socketOf(b).writableCorked, 1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(socketOf(b).writableCorked, 0);
    while (received.length < 4) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual([...received].sort(), ['a1', 'a2', 'b1', 'b2']);
  });
});
