import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, type BackendSnapshot, type SelectionAlgorithm } from '../../src/cluster/selection.js';

const ECHO = 'janus.plugin.echotest';
const b = (name: string, liveHandles: number, extra: Partial<BackendSnapshot> = {}): BackendSnapshot => ({
  name, connected: true, plugins: new Set([ECHO]), liveHandles, ...extra,
});

const cases: { name: string; algorithm: SelectionAlgorithm; backends: BackendSnapshot[]; turn?: number; random?: number; chosen: string | undefined }[] = [
  { name: 'least_loaded picks the fewest handles', algorithm: 'least_loaded', backends: [b('a', 3), b('b', 1), b('c', 2)], chosen: 'b' },
  { name: 'least_loaded breaks ties by config order', algorithm: 'least_loaded', backends: [b('a', 1), b('b', 1)], chosen: 'a' },
  { name: 'a disconnected backend is never chosen', algorithm: 'least_loaded', backends: [b('a', 0, { connected: false }), b('b', 9)], chosen: 'b' },
  { name: 'a backend without the plugin is never chosen', algorithm: 'least_loaded', backends: [b('a', 0, { plugins: new Set() }), b('b', 5)], chosen: 'b' },
  { name: 'nothing eligible chooses nothing', algorithm: 'round_robin', backends: [b('a', 0, { connected: false })], chosen: undefined },
  { name: 'round_robin follows the turn', algorithm: 'round_robin', backends: [b('a', 0), b('b', 0), b('c', 0)], turn: 4, chosen: 'b' },
  { name: 'round_robin skips ineligible backends', algorithm: 'round_robin', backends: [b('a', 0), b('b', 0, { connected: false }), b('c', 0)], turn: 1, chosen: 'c' },
  { name: 'random maps the draw onto eligible backends', algorithm: 'random', backends: [b('a', 0), b('b', 0)], random: 0.75, chosen: 'b' },
  { name: 'random with a draw of 0', algorithm: 'random', backends: [b('a', 0), b('b', 0)], random: 0, chosen: 'a' },
];

describe('selectBackend', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = selectBackend(c.algorithm, c.backends, { plugin: ECHO, turn: c.turn ?? 0, random: () => c.random ?? 0 });
      assert.equal(result.chosen, c.chosen);
      assert.equal(result.candidates.length, c.backends.length);
    });
  }

  it('explains why each backend was rejected', () => {
    const result = selectBackend('least_loaded', [b('a', 0, { connected: false }), b('b', 0, { plugins: new Set() }), b('c', 2)], { plugin: ECHO, turn: 0, random: Math.random });
    assert.deepEqual(result.candidates, [
      { name: 'a', eligible: false, reason: 'not connected' },
      { name: 'b', eligible: false, reason: `no plugin ${ECHO}` },
      { name: 'c', eligible: true, score: 2 },
    ]);
  });
});
