// The pure parts of the Redis connection helper: backoff, key prefixes, URLs, error wrapping.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_KEY_PREFIX, RedisStoreError, describeRedisUrl, normalizeKeyPrefix, retryDelayMs, storeError,
} from '../../src/store/redis/connection.js';

describe('retryDelayMs', () => {
  it('backs off exponentially from 100 ms, capped at 2 s, plus under 100 ms of jitter', () => {
    const noJitter = (): number => 0;
    assert.deepEqual([1, 2, 3, 4, 5, 6, 50].map((n) => retryDelayMs(n, noJitter)), [100, 200, 400, 800, 1600, 2000, 2000]);
    assert.equal(retryDelayMs(1, () => 0.999), 199);
    assert.equal(retryDelayMs(1_000, () => 0.5), 2050);
  });
});

describe('normalizeKeyPrefix', () => {
  it('defaults to janus-cloud: and keeps a valid prefix as given', () => {
    assert.equal(normalizeKeyPrefix(undefined), DEFAULT_KEY_PREFIX);
    assert.equal(DEFAULT_KEY_PREFIX, 'janus-cloud:');
    assert.equal(normalizeKeyPrefix('{prod}:jc/'), '{prod}:jc/');
  });

  it('rejects empty prefixes, blanks and glob characters', () => {
    for (const bad of ['', 'a b', 'jc*', 'x?', 'a[1]', 'x'.repeat(65)]) {
      assert.throws(() => normalizeKeyPrefix(bad), /invalid Redis key prefix/, JSON.stringify(bad));
    }
  });
});

describe('describeRedisUrl', () => {
  it('names host, port and db without the credentials', () => {
    assert.equal(describeRedisUrl('redis://user:s3cret@10.0.0.5:6380/2'), 'redis://10.0.0.5:6380/2');
    assert.equal(describeRedisUrl('rediss://:s3cret@cache.example:6379'), 'rediss://cache.example:6379');
  });

  it('rejects what is not a Redis URL, without echoing it', () => {
    assert.throws(() => describeRedisUrl('http://u:s3cret@h:1'), (err: Error) => /scheme http:/.test(err.message) && !err.message.includes('s3cret'));
    assert.throws(() => describeRedisUrl('127.0.0.1:6379 s3cret'), (err: Error) => /not a URL/.test(err.message) && !err.message.includes('s3cret'));
  });
});

describe('storeError', () => {
  it('names the operation, keeps the cause, and does not wrap twice', () => {
    const cause = new Error('Connection is closed.');
    const err = storeError("redis server store: get 'a'", cause);
    assert.ok(err instanceof RedisStoreError);
    assert.equal(err.name, 'RedisStoreError');
    assert.equal(err.message, "redis server store: get 'a' failed: Connection is closed.");
    assert.equal(err.cause, cause);
    assert.equal(storeError('outer', err), err);
    assert.equal(storeError('op', 'text').message, 'op failed: text');
  });
});
