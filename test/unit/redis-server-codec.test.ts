// How the Redis server store reads records back: valid ones round-trip, anything else is refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, encodeRecord } from '../../src/store/redis/server-scripts.js';
import type { ServerRecord } from '../../src/protocol/server-record.js';

const record: ServerRecord = {
  name: 'janus-1', url: 'ws://10.0.0.1:8188', status: 'up', sessions: 3, plugins: ['janus.plugin.echotest'], load_score: 0.25,
  source: 'sentinel', drained: true, expire: 60, created_at: 1_700_000_000_000, updated_at: 1_700_000_001_000,
};

describe('server record codec', () => {
  it('round-trips a record, types included', () => {
    assert.deepEqual(decodeRecord(encodeRecord(record)), record);
  });

  it('keeps fields it does not know (written by a newer proxy)', () => {
    assert.deepEqual(decodeRecord(JSON.stringify({ ...record, weight: 5 })), { ...record, weight: 5 });
  });

  it('refuses what is not a server record', () => {
    const { source: _source, ...withoutSource } = record;
    for (const raw of ['', '{', 'null', '[]', '"janus-1"', JSON.stringify(withoutSource),
      JSON.stringify({ ...record, source: 'gossip' }), JSON.stringify({ ...record, sessions: -1 }),
      JSON.stringify({ ...record, updated_at: '1700000001000' })]) {
      assert.equal(decodeRecord(raw), undefined, raw);
    }
  });
});
