// The contract every SessionStore passes (memory and Redis): several proxies' stores over one
// backing (a shared hub, or one Redis and key prefix), as proxies of one cluster see it.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionStore } from '../../src/store/session-store.js';

export type OpenSessionStore = (proxyId: string) => Promise<{ store: SessionStore; close(): Promise<void> }>;

const meta = (id: number) => ({ id, transport: 'ws' as const, auth: 'h', created_at: 1, reclaim_s: 30 });
const echo = (id: number) => ({ id, plugin: 'janus.plugin.echotest', backend: 'janus-1', backend_session: 11, backend_handle: 22 });

export function sessionStoreContract(kind: string, open: (cluster: string) => OpenSessionStore): void {
  describe(`session store contract: ${kind}`, () => {
    const opened: { close(): Promise<void> }[] = [];
    let clusters = 0;
    afterEach(async () => { await Promise.all(opened.splice(0).map((o) => o.close())); });

    async function proxies(...ids: string[]): Promise<SessionStore[]> {
      const openOne = open(`c${String(++clusters)}`);
      const stores = await Promise.all(ids.map((id) => openOne(id)));
      opened.push(...stores);
      return stores.map((s) => s.store);
    }

    it('reads what was written: the session, then its handles as they come and go', async () => {
      const [a] = await proxies('a');
      assert.equal(await a!.create(meta(7)), true);
      a!.putHandle(7, echo(1));
      a!.putHandle(7, { ...echo(2), plugin_state: { room: 1234, role: 'publisher' } });
      a!.removeHandle(7, 1);
      await a!.flush();
      const record = await a!.get(7);
      assert.equal(record?.owner, 'a');
      assert.equal(record.version, 1);
      assert.equal(record.transport, 'ws');
      assert.deepEqual(record.handles, [{ ...echo(2), plugin_state: { room: 1234, role: 'publisher' } }]);
      assert.deepEqual(await a!.sessionsOf('a'), [7]);
    });

    it('a session id is unique in the cluster: a second create of it fails on any proxy', async () => {
      const [a, b] = await proxies('a', 'b');
      assert.equal(await a!.create(meta(8)), true);
      assert.equal(await b!.create(meta(8)), false);
      assert.equal((await b!.get(8))?.owner, 'a');
    });

    it('of two proxies taking one session over at once, exactly one wins, and the loser cannot write', async () => {
      const [a, b, c] = await proxies('a', 'b', 'c');
      await a!.create(meta(9));
      a!.putHandle(9, echo(1));
      await a!.flush();
      const results = await Promise.all([b!.takeOver(9, 'a'), c!.takeOver(9, 'a')]);
      const winners = results.filter((r) => r !== undefined);
      assert.equal(winners.length, 1);
      assert.equal(winners[0]!.version, 2);
      assert.deepEqual(winners[0]!.handles, [echo(1)]);
      const winner = results[0] ? 'b' : 'c';
      a!.putHandle(9, echo(5));
      a!.remove(9);
      await a!.flush();
      const record = await b!.get(9);
      assert.equal(record?.owner, winner);
      assert.deepEqual(record.handles, [echo(1)], 'the old owner wrote nothing after losing the session');
      assert.deepEqual(await b!.sessionsOf('a'), []);
      assert.deepEqual(await b!.sessionsOf(winner), [9]);
    });

    it('only the owner deletes a record; a deleted session is gone for every proxy', async () => {
      const [a, b] = await proxies('a', 'b');
      await a!.create(meta(10));
      b!.remove(10);
      await b!.flush();
      assert.ok(await a!.get(10));
      a!.remove(10);
      await a!.flush();
      assert.equal(await b!.get(10), undefined);
      assert.equal(await b!.takeOver(10, 'a'), undefined);
    });

    it("a proxy's own writes land in the order it made them, take-overs and creates included (no flush in between)", async () => {
      const [a] = await proxies('a');
      await a!.create(meta(12));
      a!.putHandle(12, echo(1));
      a!.remove(12);
      assert.equal(await a!.takeOver(12, 'a'), undefined, 'the remove made before the take-over came first: nothing to take over');
      assert.equal(await a!.create(meta(12)), true, 'and the id is free again');
      a!.putHandle(12, echo(2));
      const taken = await a!.takeOver(12, 'a');
      assert.deepEqual(taken?.handles, [echo(2)], 'the handle written before the take-over is in the record it took');
    });

    it("a proxy's reads come after its own writes made before them (no flush in between)", async () => {
      const [a] = await proxies('a');
      await a!.create(meta(13));
      a!.putHandle(13, echo(1));
      assert.deepEqual((await a!.get(13))?.handles, [echo(1)], 'the handle written just before is read');
      a!.removeHandle(13, 1);
      assert.deepEqual((await a!.get(13))?.handles, [], 'and its removal');
      a!.remove(13);
      assert.equal(await a!.get(13), undefined, 'a removed session is not read back');
      assert.deepEqual(await a!.sessionsOf('a'), [], 'nor listed');
    });

    it('a closed proxy counts as dead, its records are listed for the sweep, and it is forgotten once it owns nothing', async () => {
      const openOne = open(`c${String(++clusters)}`);
      const a = await openOne('a');
      const b = await openOne('b');
      opened.push(b);
      await a.store.create(meta(11));
      assert.equal(await b.store.isAlive('a'), true);
      await a.close();
      assert.equal(await b.store.isAlive('a'), false);
      assert.deepEqual(await b.store.owners(), ['a']);
      assert.deepEqual(await b.store.sessionsOf('a'), [11]);
      assert.ok(await b.store.takeOver(11, 'a'));
      b.store.remove(11);
      await b.store.forgetOwner('a');
      assert.deepEqual(await b.store.owners(), []);
    });
  });
}
