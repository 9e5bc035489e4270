import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PendingRequests } from '../../src/backend/pending-requests.js';
import { JanusError } from '../../src/protocol/errors.js';

describe('PendingRequests', () => {
  it('tells a receiver (no Promise) exactly once, synchronously from the settling reply', () => {
    const table = new PendingRequests();
    const seen: string[] = [];
    const receiver = { resolve: (r: { janus?: unknown }) => seen.push(`resolve ${String(r.janus)}`), reject: (e: Error) => seen.push(`reject ${e.message}`) };
    table.addReceiver('t1', 1000, receiver);
    table.addReceiver('t2', 1000, receiver);
    table.settle('t1', { janus: 'ack', transaction: 't1' });
    table.settle('t1', { janus: 'success', transaction: 't1' });
    table.settle('t2', { janus: 'error', error: { code: 458, reason: 'No such session 5' } });
    assert.deepEqual(seen, ['resolve ack', 'reject No such session 5']);
    assert.equal(table.size, 0);
    table.clear();
  });

  it('settles exactly once and forgets the entry', async () => {
    const table = new PendingRequests();
    const reply = table.add('t1', 1000);
    assert.equal(table.settle('t1', { janus: 'success', transaction: 't1' }), true);
    assert.equal(table.settle('t1', { janus: 'success', transaction: 't1' }), false);
    assert.deepEqual(await reply, { janus: 'success', transaction: 't1' });
    assert.equal(table.size, 0);
  });

  it('rejects error replies with the backend code and reason', async () => {
    const table = new PendingRequests();
    const reply = table.add('t1', 1000);
    table.settle('t1', { janus: 'error', error: { code: 458, reason: 'No such session 5' } });
    await assert.rejects(reply, (err: unknown) => err instanceof JanusError && err.code === 458 && err.reason === 'No such session 5');
  });

  it('times out with a Janus error and hands a late reply to its cleanup', async () => {
    const table = new PendingRequests();
    let late: unknown;
    const reply = table.add('t1', 5, (r) => { late = r; });
    await assert.rejects(reply, (err: unknown) => err instanceof JanusError && err.code === 490);
    assert.equal(table.settle('t1', { janus: 'success', data: { id: 7 } }), true);
    assert.deepEqual(late, { janus: 'success', data: { id: 7 } });
    table.clear();
  });

  it('rejects everything when the connection goes away', async () => {
    const table = new PendingRequests();
    const replies = [table.add('a', 1000), table.add('b', 1000)];
    table.rejectAll();
    for (const reply of replies) await assert.rejects(reply, JanusError);
    assert.equal(table.size, 0);
  });
});
