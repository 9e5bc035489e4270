// Call parties on two "proxies" of one process, linked by memory buses sharing a hub.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { MemoryBus, MemoryBusHub } from '../../src/store/bus.js';
import { PeerLink, type PartyAddress, type PeerEndpoint } from '../../src/plugins/videocall/peer-link.js';
import type { PeerNotice, PeerReply, PeerRequest } from '../../src/plugins/videocall/peer-messages.js';

const logger = pino({ level: 'silent' });
const TOPIC = 'janus.plugin.videocall';

class Party implements PeerEndpoint {
  readonly requests: PeerRequest[] = [];
  readonly notices: PeerNotice[] = [];
  constructor(private readonly answer: (r: PeerRequest) => Promise<PeerReply>) {}
  onPeerRequest(_from: PartyAddress, request: PeerRequest): Promise<PeerReply> {
    this.requests.push(request);
    return this.answer(request);
  }
  onPeerNotice(_from: PartyAddress, notice: PeerNotice): void {
    this.notices.push(notice);
  }
}

function twoProxies(): { a: PeerLink; b: PeerLink; busB: MemoryBus } {
  const hub = new MemoryBusHub();
  const busB = new MemoryBus('proxy-b', hub);
  return { a: new PeerLink(new MemoryBus('proxy-a', hub), TOPIC, logger), b: new PeerLink(busB, TOPIC, logger), busB };
}

describe('peer link between proxies', () => {
  it('delivers a request to the addressed party and its reply to the caller', async () => {
    const { a, b } = twoProxies();
    const bob = new Party(() => Promise.resolve({ result: 'ok', alias: 'bob~1' }));
    b.attach('bob-owner', bob);
    const reply = await a.request({ proxy: 'proxy-b', owner: 'bob-owner' }, 'alice-owner', { type: 'invite', call: 'c1', from: 'alice', backend: 'j1', alias: 'alice~1' });
    assert.deepEqual(reply, { result: 'ok', alias: 'bob~1' });
    assert.deepEqual(bob.requests, [{ type: 'invite', call: 'c1', from: 'alice', backend: 'j1', alias: 'alice~1' }]);
  });

  it('answers gone for a party or a proxy that is not there', async () => {
    const { a, busB } = twoProxies();
    assert.deepEqual(await a.request({ proxy: 'proxy-b', owner: 'nobody' }, 'x', { type: 'probe' }), { result: 'gone' });
    assert.deepEqual(await a.request({ proxy: 'proxy-z', owner: 'nobody' }, 'x', { type: 'probe' }), { result: 'gone' });
    await busB.close();
    assert.deepEqual(await a.request({ proxy: 'proxy-b', owner: 'nobody' }, 'x', { type: 'probe' }), { result: 'gone' });
  });

  it('gives up on a party that never answers', async () => {
    const { a, b } = twoProxies();
    b.attach('silent', new Party(() => new Promise<PeerReply>(() => undefined)));
    // The link's deadline timer does not hold the process open (a proxy has its sockets for that); this test has nothing else.
    const keepAlive = setTimeout(() => undefined, 5_000);
    const reply = await a.request({ proxy: 'proxy-b', owner: 'silent' }, 'x', { type: 'probe' }, 50);
    clearTimeout(keepAlive);
    assert.equal(reply.result, 'failed');
  });

  it('delivers notices in order to their party only, and drops malformed ones', async () => {
    const { a, b, busB } = twoProxies();
    const bob = new Party(() => Promise.resolve({ result: 'ok' }));
    const other = new Party(() => Promise.resolve({ result: 'ok' }));
    b.attach('bob-owner', bob);
    b.attach('other', other);
    const to = { proxy: 'proxy-b', owner: 'bob-owner' };
    for (let i = 0; i < 5; i++) a.notify(to, 'alice-owner', { type: 'trickle', call: 'c1', candidates: [{ candidate: String(i) }] });
    await busB.publish('proxy-b', TOPIC, { kind: 'notice', to: 'bob-owner', from: { proxy: 'p', owner: 'o' }, body: { type: 'trickle' } });
    a.notify(to, 'alice-owner', { type: 'hangup', call: 'c1', reason: 'Bye' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(bob.notices.map((n) => (n.type === 'trickle' ? n.candidates : n.type)), [
      [{ candidate: '0' }], [{ candidate: '1' }], [{ candidate: '2' }], [{ candidate: '3' }], [{ candidate: '4' }], 'hangup',
    ]);
    assert.deepEqual(other.notices, []);
  });
});
