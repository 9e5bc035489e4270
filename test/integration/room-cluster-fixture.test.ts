// startRoomCluster gives the caller nothing to stop when it fails, so it stops what it started
// itself: a proxy that could not start used to leave Redis, the Janus servers and the other proxies
// running, and their child processes kept the test process from ever ending.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRoomCluster } from '../support/room-cluster.js';
import { childPids } from '../support/processes.js';

describe('startRoomCluster', { timeout: 60_000 }, () => {
  it('stops Redis and the Janus servers when a proxy cannot start', async () => {
    const before = childPids(process.pid);
    await assert.rejects(startRoomCluster(2, { proxyConfig: { ws_transport: { host: '127.0.0.1', port: 'no port' } } }), /janus-proxy exited/);
    assert.deepEqual(childPids(process.pid).filter((pid) => !before.includes(pid)), []);
  });
});
