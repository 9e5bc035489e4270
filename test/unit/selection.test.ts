import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadScore, selectBackend, type BackendSnapshot, type SelectionAlgorithm } from '../../src/cluster/selection.js';

const ECHO = 'janus.plugin.echotest';
const b = (name: string, handles: number, extra: Partial<BackendSnapshot> = {}): BackendSnapshot => ({
  name, connected: true, status: 'up', expired: false, breaker: 'closed', plugins: new Set([ECHO]), sessions: 0, handles, ...extra,
});

const cases: { name: string; algorithm: SelectionAlgorithm; backends: BackendSnapshot[]; turn?: number; random?: number; chosen: string | undefined }[] = [
  { name: 'least_loaded picks the fewest handles', algorithm: 'least_loaded', backends: [b('a', 3), b('b', 1), b('c', 2)], chosen: 'b' },
  { name: 'least_loaded breaks ties by snapshot order', algorithm: 'least_loaded', backends: [b('a', 1), b('b', 1)], chosen: 'a' },
  { name: 'least_loaded weighs CPU', algorithm: 'least_loaded', backends: [b('a', 0, { cpuPercent: 90 }), b('b', 10, { cpuPercent: 5 })], chosen: 'b' },
  { name: 'least_loaded compares against capacity', algorithm: 'least_loaded', backends: [b('a', 50, { maxHandles: 100 }), b('b', 100, { maxHandles: 1000 })], chosen: 'b' },
  { name: 'a disconnected backend is never chosen', algorithm: 'least_loaded', backends: [b('a', 0, { connected: false }), b('b', 9)], chosen: 'b' },
  { name: 'a draining backend is never chosen', algorithm: 'least_loaded', backends: [b('a', 0, { status: 'draining' }), b('b', 9)], chosen: 'b' },
  { name: 'an expired report is never chosen', algorithm: 'least_loaded', backends: [b('a', 0, { expired: true }), b('b', 9)], chosen: 'b' },
  { name: 'an open breaker is never chosen', algorithm: 'least_loaded', backends: [b('a', 0, { breaker: 'open' }), b('b', 9)], chosen: 'b' },
  { name: 'a half-open breaker may be chosen', algorithm: 'least_loaded', backends: [b('a', 0, { breaker: 'half_open' }), b('b', 9)], chosen: 'a' },
  { name: 'a backend without the plugin is never chosen', algorithm: 'least_loaded', backends: [b('a', 0, { plugins: new Set() }), b('b', 5)], chosen: 'b' },
  { name: 'a backend at max sessions is skipped', algorithm: 'least_loaded', backends: [b('a', 0, { sessions: 10, maxSessions: 10 }), b('b', 5)], chosen: 'b' },
  { name: 'a backend at max handles is skipped', algorithm: 'least_loaded', backends: [b('a', 4, { maxHandles: 4 }), b('b', 5)], chosen: 'b' },
  { name: 'nothing eligible chooses nothing', algorithm: 'round_robin', backends: [b('a', 0, { connected: false })], chosen: undefined },
  { name: 'round_robin follows the turn in name order', algorithm: 'round_robin', backends: [b('c', 0), b('a', 0), b('b', 0)], turn: 4, chosen: 'b' },
  { name: 'round_robin skips ineligible backends', algorithm: 'round_robin', backends: [b('a', 0), b('b', 0, { connected: false }), b('c', 0)], turn: 1, chosen: 'c' },
  { name: 'random maps the draw onto eligible backends', algorithm: 'random', backends: [b('a', 0), b('b', 0)], random: 0.75, chosen: 'b' },
  { name: 'weighted_random favours spare capacity', algorithm: 'weighted_random', backends: [b('a', 0, { maxHandles: 10 }), b('b', 9, { maxHandles: 10 })], random: 0.6, chosen: 'a' },
  { name: 'weighted_random still reaches a loaded backend', algorithm: 'weighted_random', backends: [b('a', 0, { maxHandles: 10 }), b('b', 9, { maxHandles: 10 })], random: 0.999, chosen: 'b' },
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
      { name: 'c', eligible: true, score: loadScore(b('c', 2)) },
    ]);
  });

  it('prefers backends in the client\'s region and falls back to any', () => {
    const backends = [b('eu', 50, { region: 'eu' }), b('us', 0, { region: 'us' })];
    const ctx = { plugin: ECHO, turn: 0, random: Math.random };
    assert.equal(selectBackend('least_loaded', backends, { ...ctx, client: { region: 'eu' } }).chosen, 'eu');
    assert.equal(selectBackend('least_loaded', backends, { ...ctx, client: { region: 'asia' } }).chosen, 'us');
    const eu = [b('eu', 0, { region: 'eu', status: 'draining' }), b('us', 0, { region: 'us' })];
    assert.equal(selectBackend('least_loaded', eu, { ...ctx, client: { region: 'eu' } }).chosen, 'us');
  });
});
