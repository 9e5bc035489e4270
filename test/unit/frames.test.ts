import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nestsDeeperThan } from '../../src/protocol/frames.js';

describe('nestsDeeperThan', () => {
  it('counts nesting outside strings only', () => {
    assert.equal(nestsDeeperThan('[[[]]]', 2), true);
    assert.equal(nestsDeeperThan('[[]]', 2), false);
    assert.equal(nestsDeeperThan('["[[[[", "\\"[[["]', 1), false);
    assert.equal(nestsDeeperThan('{"a":{"b":[1]}}', 3), false);
    assert.equal(nestsDeeperThan('{"a":{"b":[[1]]}}', 3), true);
  });
});
