import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../../src/sentinel/backoff.js';

describe('sentinel restart backoff', () => {
  const options = { initialDelayMs: 1_000, maxDelayMs: 30_000, stableUptimeMs: 60_000 };

  it('doubles after each quick crash up to the maximum, and stays there', () => {
    const backoff = new Backoff(options);
    const delays = Array.from({ length: 8 }, () => backoff.nextDelayMs(500));
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts again from the initial delay after a stable run', () => {
    const backoff = new Backoff(options);
    backoff.nextDelayMs(10);
    backoff.nextDelayMs(10);
    assert.equal(backoff.nextDelayMs(10), 4_000);
    assert.equal(backoff.nextDelayMs(60_000), 1_000, 'ran for stableUptimeMs: counts as healthy');
    assert.equal(backoff.nextDelayMs(59_999), 2_000, 'just short of it: a quick crash again');
  });

  it('reset() forgets the crashes (a deliberate restart)', () => {
    const backoff = new Backoff(options);
    backoff.nextDelayMs(0);
    backoff.nextDelayMs(0);
    assert.equal(backoff.attempts, 2);
    backoff.reset();
    assert.equal(backoff.attempts, 0);
    assert.equal(backoff.nextDelayMs(0), 1_000);
  });

  it('never overflows after very many crashes', () => {
    const backoff = new Backoff({ initialDelayMs: 1, maxDelayMs: 5_000, stableUptimeMs: 1_000 });
    for (let i = 0; i < 10_000; i++) backoff.nextDelayMs(0);
    assert.equal(backoff.nextDelayMs(0), 5_000);
  });

  it('a zero initial delay restarts at once every time', () => {
    const backoff = new Backoff({ initialDelayMs: 0, maxDelayMs: 5_000, stableUptimeMs: 1_000 });
    for (let i = 0; i < 2_000; i++) assert.equal(backoff.nextDelayMs(0), 0);
  });
});
