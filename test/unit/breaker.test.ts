import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../src/cluster/breaker.js';

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, half-opens after the delay, closes on success', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1000 });
    breaker.recordFailure(0);
    breaker.recordFailure(1);
    assert.equal(breaker.state(2), 'closed');
    breaker.recordFailure(2);
    assert.equal(breaker.state(3), 'open');
    assert.equal(breaker.state(1002), 'half_open');
    breaker.recordSuccess();
    assert.equal(breaker.state(1003), 'closed');
  });

  it('a success resets the count; a failed probe re-opens at once', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 100 });
    breaker.recordFailure(0);
    breaker.recordSuccess();
    breaker.recordFailure(1);
    assert.equal(breaker.state(2), 'closed');
    breaker.recordFailure(2);
    assert.equal(breaker.state(50), 'open');
    breaker.recordFailure(150);
    assert.equal(breaker.state(200), 'open');
    assert.equal(breaker.state(251), 'half_open');
  });
});
