import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OpenTransactions } from '../../src/backend/open-transactions.js';

/** The same operations on an OpenTransactions and on a Map, which it replaces on the relay path. */
describe('OpenTransactions', () => {
  it('answers like an insertion-ordered Map over random operations', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const open = new OpenTransactions<number>();
    const map = new Map<string, number>();
    // Fresh strings each time, as JSON.parse makes them: equal content, never the same string object.
    const tx = (i: number): string => ['backend-tx-', String(i)].join('');
    for (let step = 0; step < 20_000; step++) {
      const key = tx(random(12));
      const op = random(4);
      if (op === 0 || op === 1) {
        if (!map.has(key) && map.size >= 8) {
          open.dropOldest();
          const oldest = map.keys().next().value;
          if (oldest !== undefined) map.delete(oldest);
        }
        // Re-adding a transaction is never done (they are unique); both then keep one entry for it.
        if (!map.has(key)) {
          open.set(key, step);
          map.set(key, step);
        }
      } else if (op === 2) {
        assert.equal(open.delete(key), map.delete(key));
      }
      const probe = tx(random(12));
      assert.equal(open.get(probe), map.get(probe));
      assert.equal(open.get(key), map.get(key));
      assert.equal(open.size, map.size);
    }
  });

  it('drops the oldest entry first', () => {
    const open = new OpenTransactions<string>();
    open.set('a-transaction', 'a');
    open.set('b-transaction', 'b');
    open.set('c-transaction', 'c');
    open.dropOldest();
    assert.equal(open.get('a-transaction'), undefined);
    assert.equal(open.get('b-transaction'), 'b');
    assert.equal(open.delete('c-transaction'), true);
    assert.equal(open.delete('c-transaction'), false);
    assert.equal(open.size, 1);
  });
});
