import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_REASONS, JanusError, JanusErrorCode, toJanusError } from '../../src/protocol/errors.js';

describe('error catalogue', () => {
  it('has unique codes, each with a default reason', () => {
    const codes = Object.values(JanusErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes) assert.ok(DEFAULT_REASONS[code], `code ${String(code)} has no reason`);
  });

  it('never exposes internals of unexpected errors', () => {
    const err = toJanusError(new TypeError('secret path /etc/x'));
    assert.equal(err.code, 490);
    assert.equal(err.reason, 'Internal proxy error');
    assert.equal(toJanusError(new JanusError(458, 'x')).code, 458);
  });
});
