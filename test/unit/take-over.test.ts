// Session take-over's decisions, with the in-memory session store and bus (no Janus, no Redis):
// who may claim, who wins a race, what a handle whose backend is unknown becomes, and the old
// owner dropping its copy when told. The real thing is tested in test/integration/take-over.test.ts.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Sessions } from '../../src/core/sessions.js';
import { ClaimedElsewhere, TakeOvers, authIdentity } from '../../src/core/take-over.js';
import { MemorySessionHub, MemorySessionStore } from '../../src/store/memory/session-store.js';
import { MemoryBus, MemoryBusHub } from '../../src/store/bus.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { JanusError } from '../../src/protocol/errors.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import type { Sink } from '../../src/core/sink.js';
import type { OutgoingMessage } from '../../src/protocol/messages.js';

const logger = pino({ level: 'silent' });
/** A cluster with no backends: every backend a record names is unknown here. */
const noBackends = { backends: new Map() } as unknown as Cluster;

function sink(): Sink & { sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return { id: 'test', open: true, sent, send: (m) => { sent.push(m); } };
}

function codeOf(err: unknown): number | undefined {
  return err instanceof JanusError ? err.code : undefined;
}

describe('session take-over', () => {
  const stops: (() => void)[] = [];
  afterEach(() => { for (const stop of stops.splice(0)) stop(); });

  function proxy(id: string, hubs: { sessions: MemorySessionHub; bus: MemoryBusHub }) {
    const records = new MemorySessionStore(id, hubs.sessions);
    const bus = new MemoryBus(id, hubs.bus);
    const sessions = new Sessions({ sessionTimeoutS: 0, reclaimSessionTimeoutS: 30, records, logger });
    const takeOvers = new TakeOvers({ sessions, records, bus, plugins: new PluginRegistry(), cluster: noBackends, logger });
    stops.push(() => { sessions.stop(); takeOvers.close(); });
    return { records, sessions, takeOvers };
  }

  function cluster() {
    const hubs = { sessions: new MemorySessionHub(), bus: new MemoryBusHub() };
    return { a: proxy('a', hubs), b: proxy('b', hubs), c: proxy('c', hubs) };
  }

  it('moves a session to the claiming proxy; the old owner, alive, drops its copy without destroying it', async () => {
    const { a, b } = cluster();
    const session = a.sessions.create(sink(), undefined, authIdentity('secret'));
    await a.records.flush();
    const moved = await b.takeOvers.claim(session.id, sink(), authIdentity('secret'));
    assert.equal(moved.id, session.id);
    assert.ok(b.sessions.has(session.id));
    assert.equal((await b.records.get(session.id))?.owner, 'b');
    await new Promise((resolve) => { setImmediate(resolve); }); // the bus delivers asynchronously
    assert.equal(a.sessions.has(session.id), false, 'the old owner forgot the session');
    assert.ok(await b.records.get(session.id), 'and did not delete its record');
  });

  it('refuses a claim with another secret (403) and one for a session with no record (458)', async () => {
    const { a, b } = cluster();
    const session = a.sessions.create(sink(), undefined, authIdentity('secret'));
    await assert.rejects(b.takeOvers.claim(session.id, sink(), authIdentity('other')), (err) => codeOf(err) === 403);
    await assert.rejects(b.takeOvers.claim(424242, sink(), authIdentity('secret')), (err) => codeOf(err) === 458);
    assert.equal((await a.records.get(session.id))?.owner, 'a', 'a refused claim changes nothing');
  });

  it('of two proxies claiming at once, one gets the session and the other an error; a handle whose backend is unknown ends with hangup and detached', async () => {
    const { a, b, c } = cluster();
    const session = a.sessions.create(sink(), undefined, '');
    a.records.putHandle(session.id, { id: 77, plugin: 'janus.plugin.echotest', backend: 'gone', backend_session: 1, backend_handle: 2 });
    const [toB, toC] = [sink(), sink()];
    const results = await Promise.allSettled([b.takeOvers.claim(session.id, toB, ''), c.takeOvers.claim(session.id, toC, '')]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const lost = results.find((r) => r.status === 'rejected');
    assert.equal(codeOf(lost?.reason), 490);
    assert.ok(lost?.reason instanceof ClaimedElsewhere, 'an HTTP request that lost the race can tell and go to the winner');
    const winner = results[0].status === 'fulfilled' ? toB : toC;
    await new Promise((resolve) => { setImmediate(resolve); });
    assert.deepEqual(winner.sent.map((m) => [m.janus, m.sender]), [['hangup', 77], ['detached', 77]]);
    const record = await (results[0].status === 'fulfilled' ? b : c).records.get(session.id);
    assert.deepEqual(record?.handles, [], 'the lost handle left the record');
  });
});
