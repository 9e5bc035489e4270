/**
 * IdMap against a plain Map over fuzzed operation sequences. The ids are drawn from a few low-bit
 * patterns with many high parts, so that ids sharing their low 30 bits (rare with random ids) are
 * the common case here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { holdsId, idHigh, idLow, IdMap, type SplitId } from '../../src/protocol/id-map.js';

interface Entry extends SplitId {
  readonly version: number;
}

const entry = (id: number, version: number): Entry => ({ id, idLow: idLow(id), idHigh: idHigh(id), version });

const LOW = 2 ** 30;
const id = fc.tuple(fc.integer({ min: 0, max: 2 ** 23 - 1 }), fc.constantFrom(0, 1, 7, LOW - 1)).map(([high, low]) => high * LOW + low).filter((n) => n > 0);
/** A few high parts only, so that operations meet ids already in the map. */
const nearbyId = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(1, 7, LOW - 1)).map(([high, low]) => high * LOW + low);

type Op = { kind: 'set' | 'delete' | 'get'; id: number };
const op: fc.Arbitrary<Op> = fc.record({ kind: fc.constantFrom('set', 'delete', 'get'), id: fc.oneof(id, nearbyId) });

describe('IdMap', () => {
  it('behaves as a Map by id, ids sharing their low bits included', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const ids = new IdMap<Entry>();
      const reference = new Map<number, Entry>();
      ops.forEach((o, version) => {
        if (o.kind === 'set') {
          const added = entry(o.id, version);
          ids.set(added);
          reference.set(o.id, added);
        } else if (o.kind === 'delete') {
          assert.equal(ids.delete(o.id), reference.delete(o.id));
        }
        assert.equal(ids.get(o.id), reference.get(o.id));
        assert.equal(ids.has(o.id), reference.has(o.id));
        assert.equal(ids.size, reference.size);
      });
      assert.deepEqual(new Set(ids.values()), new Set(reference.values()));
      assert.deepEqual(new Set(ids.keys()), new Set(reference.keys()));
      for (const key of reference.keys()) assert.equal(ids.get(key), reference.get(key));
      ids.clear();
      assert.equal(ids.size, 0);
      for (const key of reference.keys()) assert.equal(ids.get(key), undefined);
    }), { numRuns: 2000 });
  });

  it('finds nothing for ids that are not integers below 2^53', () => {
    const ids = new IdMap<Entry>();
    ids.set(entry(1, 0));
    ids.set(entry(2 ** 53 - 1, 0));
    for (const odd of [1.5, 2 ** 53, 2 ** 53 + 2, -1, Number.NaN, 0]) assert.equal(ids.get(odd), undefined, String(odd));
    assert.equal(ids.get(2 ** 53 - 1)?.id, 2 ** 53 - 1);
  });

  it('compares ids by their two halves exactly as by the whole id', () => {
    const anyNumber = fc.oneof(id, nearbyId, fc.double(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.constantFrom(2 ** 53, 2 ** 53 + 2, 0.5, -0));
    fc.assert(fc.property(fc.oneof(id, nearbyId, fc.integer({ min: 1, max: 2 ** 31 })), anyNumber, (held, asked) => {
      assert.equal(holdsId(entry(held, 0), asked), held === asked, `${String(held)} vs ${String(asked)}`);
      assert.equal(holdsId(entry(held, 0), held), true);
    }), { numRuns: 5000 });
  });
});
