// The behaviour every ServerStore shares, written once and run against each implementation
// (memory, Redis). Change notifications may arrive later than the write (Redis pub/sub), so the
// tests wait for them with deadlines instead of checking synchronously.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isExpired, type ServerRecord } from '../../src/protocol/server-record.js';
import type { ServerStore } from '../../src/store/server-store.js';

export interface StoreUnderTest {
  store: ServerStore;
  /** Resolves once onChange listeners hear writes (Redis: the subscription is live). */
  subscribed(): Promise<void>;
}

const T0 = 1_700_000_000_000;
const URL_A = 'ws://10.0.0.1:8188';
const URL_B = 'ws://10.0.0.2:8188';
const EVENT_DEADLINE_MS = 5_000;

/** Records change notifications; `until` waits for the n-th notification of a name, with a deadline. */
export class ChangeLog {
  readonly names: string[] = [];
  private waiters: (() => void)[] = [];

  readonly listener = (name: string): void => {
    this.names.push(name);
    for (const wake of this.waiters.splice(0)) wake();
  };

  count(name: string): number {
    return this.names.filter((n) => n === name).length;
  }

  async until(name: string, times = 1, timeoutMs = EVENT_DEADLINE_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(name) < times) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no change notification #${String(times)} for ${name} within ${String(timeoutMs)} ms (saw ${this.names.join(',')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }
}

const byName = (records: ServerRecord[]): ServerRecord[] => [...records].sort((a, b) => a.name.localeCompare(b.name));

export function serverStoreContract(label: string, open: () => Promise<StoreUnderTest>): void {
  describe(`ServerStore contract: ${label}`, () => {
    const opened: ServerStore[] = [];
    const fresh = async (): Promise<StoreUnderTest> => {
      const underTest = await open();
      opened.push(underTest.store);
      return underTest;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it('creates a record with defaults and returns what get() returns', async () => {
      const { store } = await fresh();
      const created = await store.upsert({ name: 'a', url: URL_A, status: 'up', sessions: 3 }, 'sentinel', T0);
      assert.deepEqual(created, {
        name: 'a', url: URL_A, status: 'up', sessions: 3, source: 'sentinel', expire: 60, created_at: T0, updated_at: T0,
      });
      assert.deepEqual(await store.get('a'), created);
      const fixed = await store.upsert({ name: 's', url: URL_B, status: 'up' }, 'static', T0);
      assert.equal(fixed.expire, 0);
    });

    it('merges a report: absent fields keep their values, given ones replace them', async () => {
      const { store } = await fresh();
      await store.upsert({ name: 'a', url: URL_A, status: 'up', sessions: 3, region: 'eu', plugins: ['echotest'], expire: 30 }, 'sentinel', T0);
      const merged = await store.upsert({ name: 'a', url: URL_B, status: 'draining', handles: 7 }, 'rest', T0 + 500);
      assert.deepEqual(merged, {
        name: 'a', url: URL_B, status: 'draining', sessions: 3, handles: 7, region: 'eu', plugins: ['echotest'],
        source: 'rest', expire: 30, created_at: T0, updated_at: T0 + 500,
      });
      assert.deepEqual(await store.get('a'), merged);
    });

    it('keeps a static record static whoever reports on it', async () => {
      const { store } = await fresh();
      await store.upsert({ name: 's', url: URL_A, status: 'up' }, 'static', T0);
      const reported = await store.upsert({ name: 's', url: URL_A, status: 'overloaded', load_score: 0.9 }, 'sentinel', T0 + 1);
      assert.equal(reported.source, 'static');
      assert.equal(reported.expire, 0);
      assert.equal(reported.load_score, 0.9);
    });

    it('gets, lists and removes', async () => {
      const { store } = await fresh();
      assert.equal(await store.get('nope'), undefined);
      assert.deepEqual(await store.list(), []);
      const a = await store.upsert({ name: 'a', url: URL_A, status: 'up' }, 'sentinel', T0);
      const b = await store.upsert({ name: 'b', url: URL_B, status: 'down' }, 'rest', T0 + 1);
      assert.deepEqual(byName(await store.list()), [a, b]);
      assert.equal(await store.remove('a'), true);
      assert.equal(await store.remove('a'), false);
      assert.equal(await store.get('a'), undefined);
      assert.deepEqual(await store.list(), [b]);
    });

    it('lists expired records, which isExpired reports as expired', async () => {
      const { store } = await fresh();
      await store.upsert({ name: 'old', url: URL_A, status: 'up', expire: 5 }, 'sentinel', Date.now() - 10_000);
      await store.upsert({ name: 'new', url: URL_B, status: 'up', expire: 5 }, 'sentinel', Date.now());
      const listed = byName(await store.list());
      assert.deepEqual(listed.map((r) => r.name), ['new', 'old']);
      assert.deepEqual(listed.map((r) => isExpired(r, Date.now())), [false, true]);
    });

    it('sets and clears a drain, which later reports keep', async () => {
      const { store } = await fresh();
      assert.equal(await store.setDrained('nope', true, T0), undefined);
      await store.upsert({ name: 'a', url: URL_A, status: 'up' }, 'sentinel', T0);
      const drained = await store.setDrained('a', true, T0 + 1);
      assert.equal(drained?.drained, true);
      assert.equal(drained.updated_at, T0 + 1);
      assert.equal((await store.upsert({ name: 'a', url: URL_A, status: 'up', sessions: 1 }, 'sentinel', T0 + 2)).drained, true);
      assert.equal((await store.setDrained('a', false, T0 + 3))?.drained, false);
      assert.equal((await store.get('a'))?.drained, false);
    });

    it('hands out copies: changing a returned record changes nothing stored', async () => {
      const { store } = await fresh();
      const created = await store.upsert({ name: 'a', url: URL_A, status: 'up', sessions: 1 }, 'sentinel', T0);
      created.sessions = 99;
      const listed = await store.list();
      listed[0]!.sessions = 98;
      assert.equal((await store.get('a'))?.sessions, 1);
    });

    it('notifies upserts, drains and removals, not removals of unknown names', async () => {
      const underTest = await fresh();
      const { store } = underTest;
      const log = new ChangeLog();
      store.onChange(log.listener);
      await underTest.subscribed();
      await store.upsert({ name: 'a', url: URL_A, status: 'up' }, 'sentinel', T0);
      await log.until('a', 1);
      await store.setDrained('a', true, T0 + 1);
      await log.until('a', 2);
      await store.remove('ghost');
      await store.remove('a');
      await log.until('a', 3);
      assert.equal(log.count('ghost'), 0); // notifications arrive in write order, so 'ghost' would be in by now
    });

    it('stops notifying a listener once unsubscribed; a throwing listener harms nobody', async () => {
      const underTest = await fresh();
      const { store } = underTest;
      const gone = new ChangeLog();
      const kept = new ChangeLog();
      const unsubscribe = store.onChange(gone.listener);
      store.onChange(() => { throw new Error('listener bug'); });
      store.onChange(kept.listener);
      await underTest.subscribed();
      unsubscribe();
      await store.upsert({ name: 'a', url: URL_A, status: 'up' }, 'sentinel', T0);
      await kept.until('a');
      assert.deepEqual(gone.names, []);
      assert.equal((await store.get('a'))?.name, 'a');
    });

    it('closes twice without complaint', async () => {
      const { store } = await fresh();
      await store.close();
      await store.close();
    });
  });
}
