import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { OwnerSweep } from '../../src/core/owner-sweep.js';
import { MemorySessionHub, MemorySessionStore } from '../../src/store/memory/session-store.js';
import { clusterWithoutBackends } from '../support/cluster-without-backends.js';
import type { SessionRecord } from '../../src/store/session-store.js';

const meta = (id: number, reclaimS: number) => ({ id, transport: 'ws' as const, auth: '', created_at: 1, reclaim_s: reclaimS });

describe('OwnerSweep', () => {
  it("reads a dead proxy's records again only once the next of its sessions leaves its reclaim window", async () => {
    const hub = new MemorySessionHub();
    const dead = new MemorySessionStore('dead', hub);
    await dead.create(meta(1, 30));
    await dead.create(meta(2, 60));
    await dead.close();

    const survivor = new MemorySessionStore('survivor', hub);
    const read: number[] = [];
    const get = survivor.get.bind(survivor);
    survivor.get = (id: number) => {
      read.push(id);
      return get(id);
    };
    let now = 0;
    const finished: number[] = [];
    // finish() ends the swept sessions: nothing reaches a Janus.
    const sweep = new OwnerSweep(survivor, clusterWithoutBackends(), {
      logger: pino({ level: 'silent' }),
      now: () => now,
      finish: (record: SessionRecord) => { finished.push(record.id); return Promise.resolve(); },
    });

    await sweep.sweep();
    assert.deepEqual(read.sort(), [1, 2], 'first seen dead: every record read once');
    read.length = 0;
    now = 10_000;
    await sweep.sweep();
    now = 29_999;
    await sweep.sweep();
    assert.deepEqual(read, [], 'no record read while none can be due');
    now = 30_000;
    await sweep.sweep();
    assert.deepEqual(finished, [1], 'the 30 s session swept when its window is over');
    assert.deepEqual(read.sort(), [1, 2]);
    read.length = 0;
    now = 45_000;
    await sweep.sweep();
    assert.deepEqual(read, [], 'the 60 s session not read before its window is over');
    now = 60_000;
    await sweep.sweep();
    assert.deepEqual(finished, [1, 2]);
    assert.equal(await survivor.get(1), undefined);
    assert.equal(await survivor.get(2), undefined);
  });

  it("sweeps a dead proxy's many sessions several at a time, each once", async () => {
    const hub = new MemorySessionHub();
    const dead = new MemorySessionStore('dead', hub);
    const count = 200;
    for (let id = 1; id <= count; id++) await dead.create(meta(id, 0));
    await dead.close();

    const survivor = new MemorySessionStore('survivor', hub);
    const finished: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const sweep = new OwnerSweep(survivor, clusterWithoutBackends(), {
      logger: pino({ level: 'silent' }),
      finish: async (record: SessionRecord) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        finished.push(record.id);
      },
    });

    await sweep.sweep();
    assert.equal(finished.length, count);
    assert.equal(new Set(finished).size, count, 'no session finished twice');
    assert.ok(mostInFlight > 1 && mostInFlight <= 32, `sessions ended concurrently, at most 32 at once (saw ${mostInFlight})`);
    assert.deepEqual(await survivor.sessionsOf('dead'), []);
  });
});
