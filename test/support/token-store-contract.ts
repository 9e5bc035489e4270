// The behaviour every TokenStore shares (Janus's stored tokens), written once and run against each
// implementation (memory, Redis). Stores opened with the same `group` share one backing store.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TokenStore } from '../../src/store/token-store.js';

export type OpenTokenStore = (group: string) => Promise<{ store: TokenStore; close: () => Promise<void> }>;

const EVENTUALLY_MS = 5_000;

/** Waits until `check` passes: another store sees a change once its announcement has arrived. */
async function eventually(check: () => boolean): Promise<void> {
  const deadline = Date.now() + EVENTUALLY_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the change never showed');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export function tokenStoreContract(label: string, open: OpenTokenStore, shared: boolean): void {
  describe(`TokenStore contract: ${label}`, () => {
    it('adds, allows and disallows plugins in order, lists and removes', async () => {
      const { store, close } = await open('single');
      try {
        assert.equal(store.plugins('t1'), undefined);
        await store.add('t1', ['janus.plugin.echotest']);
        await store.add('t1', ['janus.plugin.videoroom', 'janus.plugin.echotest']);
        assert.deepEqual(store.plugins('t1'), ['janus.plugin.echotest', 'janus.plugin.videoroom']);
        await store.add('t2', []);
        assert.deepEqual(store.plugins('t2'), []);
        assert.equal(await store.allow('t2', ['janus.plugin.videocall']), true);
        assert.equal(await store.allow('nope', ['janus.plugin.videocall']), false);
        assert.equal(await store.disallow('t1', ['janus.plugin.echotest', 'janus.plugin.other']), true);
        assert.equal(await store.disallow('nope', ['janus.plugin.echotest']), false);
        assert.deepEqual(store.list(), [
          { token: 't1', plugins: ['janus.plugin.videoroom'] },
          { token: 't2', plugins: ['janus.plugin.videocall'] },
        ]);
        assert.equal(await store.remove('t1'), true);
        assert.equal(await store.remove('t1'), false);
        assert.equal(store.plugins('t1'), undefined);
        await store.remove('t2');
        assert.deepEqual(store.list(), []);
      } finally {
        await close();
      }
    });

    if (shared) {
      it('a second store sees the first one\'s tokens, at start and as they change', async () => {
        const first = await open('shared');
        await first.store.add('early', ['janus.plugin.echotest']);
        const second = await open('shared');
        try {
          assert.deepEqual(second.store.plugins('early'), ['janus.plugin.echotest']);
          await first.store.allow('early', ['janus.plugin.videoroom']);
          await eventually(() => second.store.plugins('early')?.length === 2);
          await second.store.remove('early');
          await eventually(() => first.store.plugins('early') === undefined);
        } finally {
          await Promise.all([first.close(), second.close()]);
        }
      });
    }
  });
}
