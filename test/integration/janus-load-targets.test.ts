// Issue #16's targets for janus-load in CI size: scripts/load-targets.ts (two real Janus in network
// namespaces, the proxy in front of both) with 6 EchoTest peers and a VideoRoom of 2 publishers × 3
// subscribers, direct and through the proxy. The full size (20 peers, 4 × 8) runs the same code from
// the command line; its figures are in the README's capacity section.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runTargets, SMALL_SIZES } from '../../scripts/load-targets.js';

describe('janus-load targets (CI size)', { timeout: 300_000 }, () => {
  it('every run: 0 failed, loss < 1 % both ways, the split equal to each Janus\'s own list_sessions', async () => {
    const results = await runTargets(SMALL_SIZES);
    assert.equal(results.length, 4);
    for (const r of results) assert.deepEqual(r.problems, [], `${r.name}: ${JSON.stringify({ onJanus: r.onJanus, report: r.report }, null, 1)}`);
    // Through the proxy the EchoTest peers land on both Janus; direct, only on the first.
    const [echoDirect, echoProxy] = results;
    assert.deepEqual(echoDirect?.onJanus, [SMALL_SIZES.echoPeers, 0]);
    assert.ok(echoProxy?.onJanus.every((n) => n > 0), JSON.stringify(echoProxy?.onJanus));
  });
});
