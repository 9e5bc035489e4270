// startRoomCluster gives the caller nothing to stop when it fails, so it stops what it started
// itself: a proxy that could not start used to leave Redis, the Janus servers and the other proxies
// running, and their child processes kept the test process from ever ending.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { startRoomCluster } from '../support/room-cluster.js';

function childPids(): number[] {
  return readdirSync(`/proc/${String(process.pid)}/task`).flatMap((task) => {
    try {
      return readFileSync(`/proc/${String(process.pid)}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

describe('startRoomCluster', { timeout: 60_000 }, () => {
  it('stops Redis and the Janus servers when a proxy cannot start', async () => {
    const before = childPids();
    await assert.rejects(startRoomCluster(2, { proxyConfig: { ws_transport: { host: '127.0.0.1', port: 'no port' } } }), /janus-proxy exited/);
    assert.deepEqual(childPids().filter((pid) => !before.includes(pid)), []);
  });
});
