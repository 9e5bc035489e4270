// Call handles restored on another proxy after a session take-over (its proxy died): it keeps
// its owner, claims its username again from there, and the call goes on both ways over the bus.
// Memory bus and a user registry shared by three "proxies" of one process; no Janus, no browser.
// The claim machinery itself is tested in take-over.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { MemoryBus, MemoryBusHub } from '../../src/store/bus.js';
import { MemoryUserStore } from '../../src/store/memory/user-store.js';
import type { UserStore } from '../../src/store/user-store.js';
import { createCallHub } from '../../src/plugins/videocall/index.js';
import type { CallHub } from '../../src/plugins/videocall/call-handle.js';
import { P2pCallHandle } from '../../src/plugins/p2pcall/p2pcall-handle.js';
import { P2PCALL_PLUGIN } from '../../src/plugins/p2pcall/index.js';
import { VideoCallHandle } from '../../src/plugins/videocall/videocall-handle.js';
import type { PluginContext } from '../../src/plugins/plugin.js';
import type { JsonObject, OutgoingMessage } from '../../src/protocol/messages.js';

const logger = pino({ level: 'silent' });
const OFFER = { type: 'offer', sdp: 'v=0\r\n' };
const ANSWER = { type: 'answer', sdp: 'v=0\r\n' };

/** One registry seen from several proxies, each with its own id (as Redis is). */
function usersOf(shared: MemoryUserStore, proxyId: string): UserStore {
  return {
    proxyId,
    claim: (ns, entry) => shared.claim(ns, entry),
    lookup: (ns, username) => shared.lookup(ns, username),
    list: (ns) => shared.list(ns),
    release: (ns, username, owner) => shared.release(ns, username, owner),
    close: () => Promise.resolve(),
  };
}

/** A client of one handle: what it was sent, and the state last saved for its record. */
class Client {
  readonly events: OutgoingMessage[] = [];
  saved: JsonObject | undefined;
  private waiters: (() => void)[] = [];
  readonly ctx = {
    plugin: P2PCALL_PLUGIN,
    opaqueId: undefined,
    logger,
    logs: () => false,
    emit: (event: OutgoingMessage) => {
      this.events.push(event);
      for (const wake of this.waiters.splice(0)) wake();
    },
    ended: () => undefined,
    save: (state: JsonObject) => { this.saved = state; },
  } as unknown as PluginContext;

  async next(match: (e: OutgoingMessage) => boolean): Promise<OutgoingMessage> {
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => { this.waiters.push(resolve); });
    }
  }
}

function result(e: OutgoingMessage): JsonObject | undefined {
  const data = (e.plugindata as JsonObject | undefined)?.data as JsonObject | undefined;
  return data?.result as JsonObject | undefined;
}

const isEvent = (name: string) => (e: OutgoingMessage) => result(e)?.event === name;
const isTrickle = (e: OutgoingMessage) => e.janus === 'trickle';

describe('p2pcall take-over', () => {
  it('a restored party keeps its username and its call; trickles flow both ways through its new proxy', async () => {
    const bus = new MemoryBusHub();
    const registry = new MemoryUserStore('shared');
    const hub = (id: string): CallHub => createCallHub(P2PCALL_PLUGIN, 'p2pcall', { users: usersOf(registry, id), bus: new MemoryBus(id, bus), logger });
    const [hubA, hubB, hubC] = [hub('proxy-a'), hub('proxy-b'), hub('proxy-c')];
    const [alice, bob] = [new Client(), new Client()];
    const aliceA = new P2pCallHandle(alice.ctx, hubA);
    const bobB = new P2pCallHandle(bob.ctx, hubB);
    await aliceA.message({ request: 'register', username: 'alice' }, undefined, 't1');
    await bobB.message({ request: 'register', username: 'bob' }, undefined, 't2');
    await aliceA.message({ request: 'call', username: 'bob' }, OFFER, 't3');
    await bob.next(isEvent('incomingcall'));
    await bobB.message({ request: 'accept' }, ANSWER, 't4');
    await alice.next(isEvent('accepted'));
    const saved = alice.saved;
    assert.ok(saved);
    assert.equal(saved.phase, 'active');
    assert.equal(saved.username, 'alice');

    // proxy-a dies; proxy-c takes alice's session over and restores her handle from its record.
    aliceA.release();
    const aliceC = await P2pCallHandle.restore(alice.ctx, hubC, { state: saved, backendHandle: undefined, backend: undefined });
    assert.deepEqual(await hubC.directory.lookup('alice'), { proxy: 'proxy-c', owner: saved.owner });

    await aliceC.trickle({ candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    const atBob = await bob.next(isTrickle);
    assert.equal((atBob.candidate as JsonObject).candidate, 'candidate:1 1 udp 1 10.0.0.1 5000 typ host');
    await bobB.trickle({ candidate: { candidate: 'candidate:2 1 udp 1 10.0.0.2 6000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    const atAlice = await alice.next(isTrickle);
    assert.equal((atAlice.candidate as JsonObject).candidate, 'candidate:2 1 udp 1 10.0.0.2 6000 typ host');

    // Hanging up from the restored side still reaches the peer, and frees the username from proxy-c.
    await aliceC.message({ request: 'hangup' }, undefined, 't5');
    await bob.next(isEvent('hangup'));
    await aliceC.detach();
    await bobB.detach();
    assert.deepEqual(await hubC.directory.list(), []);
  });

  it('a restored videocall user keeps its username; a call whose leg was not carried over ends for its client with a hangup', async () => {
    const registry = new MemoryUserStore('shared');
    const bus = new MemoryBusHub();
    const hub = (id: string): CallHub => createCallHub('janus.plugin.videocall', 'videocall', { users: usersOf(registry, id), bus: new MemoryBus(id, bus), logger });
    const [hubA, hubC] = [hub('proxy-a'), hub('proxy-c')];
    const carol = new Client();
    const carolA = new VideoCallHandle(carol.ctx, hubA);
    await carolA.message({ request: 'register', username: 'carol' }, undefined, 't1');
    await carol.next(isEvent('registered'));
    const saved = carol.saved;
    assert.ok(saved);
    carolA.release();
    const inCall = { ...saved, phase: 'active', call: { id: 'c1', peer: 'dave', peerProxy: 'proxy-b', peerOwner: 'o', sdpSent: true } };
    const carolC = await VideoCallHandle.restore(carol.ctx, hubC, { state: inCall, backendHandle: undefined, backend: undefined });
    assert.deepEqual(await hubC.directory.lookup('carol'), { proxy: 'proxy-c', owner: saved.owner });
    const hangup = await carol.next(isEvent('hangup'));
    assert.equal(result(hangup)?.username, 'dave');
    await carol.next((e) => e.janus === 'hangup');
    await carolC.detach();
    assert.deepEqual(await hubC.directory.list(), []);
  });
});
