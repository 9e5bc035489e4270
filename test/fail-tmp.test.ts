import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startJanus, stopAll } from './support/janus-fixture.js';
import { createEchoPeer } from './support/werift-peer.js';
describe('fails', () => {
  after(async () => { await stopAll(); });
  it('throws', async () => {
    const j = await startJanus();
    createEchoPeer({ iceAddress: j.peerAddress! });
    assert.equal(1, 2);
  });
  it('times out', { timeout: 500 }, async () => {
    await startJanus({ netns: false });
    await new Promise(() => undefined);
  });
  it('bad plugin', async () => { await startJanus({ plugins: ['nope'] }); });
});
