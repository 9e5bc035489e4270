/**
 * TransactionTable (the pending-request table's store) against a Map doing the same: fuzzed
 * sequences of adds, lookups, removals and walks over transactions this process made (slots,
 * growth, slots still taken) and any other strings (the Map beside the slots).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TransactionTable } from '../../src/backend/transaction-table.js';
import { backendTransactionNumber, nextBackendTransaction } from '../../src/protocol/ids.js';

type Op =
  | { kind: 'add-made' } | { kind: 'add-burst'; count: number; keep: number } | { kind: 'add-other'; key: string }
  | { kind: 'take'; pick: number } | { kind: 'get'; pick: number } | { kind: 'take-missing'; key: string } | { kind: 'walk'; takeEvery: number } | { kind: 'drain' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: 'add-made' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add-burst' as const), count: fc.integer({ min: 1, max: 600 }), keep: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('add-other' as const), key: fc.string({ maxLength: 16 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('take' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('take-missing' as const), key: fc.string({ maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('walk' as const), takeEvery: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drain' as const }) },
);

function sorted<T>(entries: Iterable<[string, T]>): [string, T][] {
  return [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('TransactionTable', () => {
  it('holds what a Map holds, whatever the sequence of operations', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const table = new TransactionTable<number>();
      const model = new Map<string, number>();
      let value = 0;
      const add = (key: string): void => {
        if (model.has(key)) return; // the table's callers never add a transaction twice
        table.set(key, ++value);
        model.set(key, value);
      };
      const keyAt = (pick: number): string | undefined => [...model.keys()][pick % Math.max(model.size, 1)];
      for (const o of ops) {
        switch (o.kind) {
          case 'add-made': add(nextBackendTransaction()); break;
          case 'add-burst':
            // Many requests answered in turn while a few stay open: the counter runs far past the slots.
            for (let i = 0; i < o.count; i++) {
              const key = nextBackendTransaction();
              add(key);
              if (i % (o.keep + 1) !== 0 || o.keep === 0) { assert.equal(table.take(key), model.get(key)); model.delete(key); }
            }
            break;
          case 'add-other': add(o.key); break;
          case 'take': {
            const key = keyAt(o.pick);
            if (key === undefined) break;
            assert.equal(table.take(key), model.get(key));
            model.delete(key);
            assert.equal(table.get(key), undefined);
            break;
          }
          case 'get': {
            const key = keyAt(o.pick);
            if (key !== undefined) assert.equal(table.get(key), model.get(key));
            break;
          }
          case 'take-missing':
            if (!model.has(o.key)) assert.equal(table.take(o.key), undefined);
            break;
          case 'walk': {
            const seen: [string, number][] = [];
            let n = 0;
            table.forEach((v, key) => {
              seen.push([key, v]);
              if (o.takeEvery > 0 && n++ % o.takeEvery === 0) { assert.equal(table.take(key), v); model.delete(key); }
            });
            assert.equal(seen.length, new Set(seen.map(([key]) => key)).size);
            break;
          }
          case 'drain':
            assert.deepEqual([...table.drain()].sort((a, b) => a - b), [...model.values()].sort((a, b) => a - b));
            model.clear();
            break;
        }
        assert.equal(table.size, model.size);
      }
      const walked: [string, number][] = [];
      table.forEach((v, key) => { walked.push([key, v]); });
      assert.deepEqual(sorted(walked), sorted(model));
    }), { numRuns: 500 });
  });

  it('reads back the counter of a transaction this process made, and nothing from other strings', () => {
    const first = backendTransactionNumber(nextBackendTransaction());
    assert.ok(first !== undefined);
    for (let i = 1; i <= 2000; i++) assert.equal(backendTransactionNumber(nextBackendTransaction()), first + i);
    fc.assert(fc.property(fc.string({ maxLength: 24 }), (text) => {
      assert.equal(backendTransactionNumber(text), undefined);
    }), { numRuns: 2000 });
    const made = nextBackendTransaction();
    for (const bad of [`${made}-`, `${made}A`, made.slice(0, -made.length + 8), made.slice(0, 8), `${made.slice(0, 7)}_${made.slice(8)}`]) {
      assert.equal(backendTransactionNumber(bad), undefined, bad);
    }
  });
});
