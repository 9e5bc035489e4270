// The placement decisions kept for GET /placement/explain: the last `explainHistory` of them,
// newest first, in a ring (no backends here, so every decision is a rejection; each is told
// apart by its plugin name).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Cluster } from '../../src/cluster/cluster.js';
import { clusterWithoutBackends } from '../support/cluster-without-backends.js';

const cluster = (explainHistory: number): Cluster => clusterWithoutBackends(explainHistory);

const plugins = (c: Cluster, limit: number): string[] => c.explain(limit).map((d) => d.plugin);

describe('placement history', () => {
  it('is empty before any placement', () => {
    assert.deepEqual(plugins(cluster(3), 10), []);
  });

  it('gives the newest first, at most `limit` and at most the history size, across wrap-arounds', () => {
    const c = cluster(3);
    c.place('p1');
    c.place('p2');
    assert.deepEqual(plugins(c, 10), ['p2', 'p1']);
    for (const p of ['p3', 'p4', 'p5', 'p6', 'p7']) c.place(p);
    assert.deepEqual(plugins(c, 10), ['p7', 'p6', 'p5']);
    assert.deepEqual(plugins(c, 2), ['p7', 'p6']);
    assert.deepEqual(plugins(c, 1), ['p7']);
    const last = c.explain(1)[0];
    assert.equal(last?.chosen, undefined);
    assert.ok(typeof last?.at === 'number');
  });
});
