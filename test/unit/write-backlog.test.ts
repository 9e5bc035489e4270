import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { WriteBacklog } from '../../src/store/redis/write-backlog.js';
import { pollUntil } from '../support/processes.js';

/** A fake Redis: applies writes to `log` while up, rejects them while down. */
function fakeRedis(): { up: boolean; log: string[]; write(name: string): () => Promise<void> } {
  const redis = {
    up: true,
    log: [] as string[],
    write: (name: string) => () => (redis.up ? Promise.resolve(void redis.log.push(name)) : Promise.reject(new Error('Connection is closed.'))),
  };
  return redis;
}

describe('session record writes kept during a Redis outage', () => {
  it('applies writes at once while Redis answers', async () => {
    const redis = fakeRedis();
    const writes = new WriteBacklog(pino({ level: 'silent' }));
    writes.submit('a', redis.write('a'));
    writes.submit('b', redis.write('b'));
    await writes.flush();
    assert.deepEqual(redis.log, ['a', 'b']);
    assert.equal(writes.pending, 0);
  });

  it('keeps a failed write and every later one, and applies them in order once Redis is back', async () => {
    const redis = fakeRedis();
    const writes = new WriteBacklog(pino({ level: 'silent' }));
    redis.up = false;
    writes.submit('put h1', redis.write('put h1'));
    await writes.flush();
    redis.up = true;
    // Redis answers again, but this write must not overtake the kept one.
    writes.submit('remove h1', redis.write('remove h1'));
    assert.equal(writes.pending, 2);
    await pollUntil('the backlog to drain', () => (writes.pending === 0 ? true : undefined), 5_000, 20);
    assert.deepEqual(redis.log, ['put h1', 'remove h1']);
    await writes.close();
  });
});
