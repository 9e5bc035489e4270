import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Handle } from '../../src/core/handle.js';
import type { ClientHandleId } from '../../src/protocol/ids.js';

const newHandle = (): Handle => new Handle(1 as ClientHandleId, 'janus.plugin.echotest', undefined);

describe('Handle queue with direct requests', () => {
  it('runs a direct request only when nothing is queued or on its way', async () => {
    const handle = newHandle();
    assert.equal(handle.beginDirect(), true);
    assert.equal(handle.beginDirect(), false, 'a second direct request waits for the first');
    handle.endDirect();
    let release = (): void => undefined;
    const queued = handle.enqueue(() => new Promise<void>((resolve) => { release = resolve; }));
    assert.equal(handle.beginDirect(), false, 'a queued task keeps the handle busy');
    await Promise.resolve();
    release();
    await queued;
    await handle.idle();
    assert.equal(handle.beginDirect(), true, 'idle again once the task is answered');
    handle.endDirect();
  });

  it('keeps arrival order: tasks queued behind a direct request start after its answer', async () => {
    const handle = newHandle();
    const order: string[] = [];
    assert.equal(handle.beginDirect(), true);
    const first = handle.enqueue(() => { order.push('first'); return Promise.resolve(); });
    const second = handle.enqueue(() => { order.push('second'); return Promise.resolve(); });
    const idle = handle.idle().then(() => order.push('idle'));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    assert.equal(order.length, 0, 'nothing runs before the direct request is answered');
    order.push('direct answered');
    handle.endDirect();
    await Promise.all([first, second, idle]);
    assert.deepEqual(order, ['direct answered', 'first', 'second', 'idle']);
  });

  it('a failing task does not stop the queue', async () => {
    const handle = newHandle();
    await assert.rejects(handle.enqueue(() => Promise.reject(new Error('boom'))));
    assert.equal(await handle.enqueue(() => Promise.resolve(7)), 7);
    await handle.idle();
    assert.equal(handle.beginDirect(), true);
  });
});
