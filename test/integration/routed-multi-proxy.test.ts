// Room-routed plugins across two proxy processes sharing one real Redis, in front of two real Janus:
// the same new room created at the same moment through both proxies lands on ONE Janus (the route is
// claimed atomically in Redis; the second create gets Janus's own "room exists"), and the room's
// participants are listed the same from either proxy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import type { ProxyProcess } from '../support/proxy-process.js';
import { startSharedStoreProxies, TestClients } from '../support/shared-store-proxies.js';
import { openHandle, syncRequest, type At } from '../support/plugin-messages.js';

const PLUGINS = ['janus.plugin.audiobridge', 'janus.plugin.textroom'] as const;

describe('room-routed plugins: concurrent creates of one new room through two proxies', { timeout: 90_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  let proxies: ProxyProcess[] = [];
  const clients = new TestClients();

  before(async () => {
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(2, { plugins: ['audiobridge', 'textroom'] })]);
    // The Janus listed in opposite orders, so on a tie the two proxies would pick different Janus.
    proxies = [
      ...(await startSharedStoreProxies(janus, redis, ['proxy-a'])),
      ...(await startSharedStoreProxies([...janus].reverse(), redis, ['proxy-b'])),
    ];
  });
  after(async () => {
    await clients.closeAll();
    for (const proxy of proxies) await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
  });

  /** How many Janus hold `room`, asked of each Janus directly. */
  async function holders(plugin: string, room: number): Promise<number> {
    let count = 0;
    for (const j of janus) {
      const direct = await JanusTestClient.connect(j.wsUrl);
      try {
        if ((await syncRequest(direct, await openHandle(direct, plugin), { request: 'exists', room })).exists === true) count++;
      } finally {
        await direct.close();
      }
    }
    return count;
  }

  for (const plugin of PLUGINS) {
    it(`${plugin}: both proxies' creates meet on one Janus, every time, and list the same room`, async () => {
      const [proxyA, proxyB] = proxies as [ProxyProcess, ProxyProcess];
      const a = await clients.connect(proxyA.url);
      const b = await clients.connect(proxyB.url);
      const [atA, atB]: [At, At] = await Promise.all([openHandle(a, plugin), openHandle(b, plugin)]);
      for (let i = 0; i < 6; i++) {
        const room = 7000 + i + (plugin.endsWith('textroom') ? 100 : 0);
        const replies = await Promise.all([
          syncRequest(a, atA, { request: 'create', room }),
          syncRequest(b, atB, { request: 'create', room }),
        ]);
        const created = replies.filter((r) => r.error_code === undefined);
        assert.equal(created.length, 1, `room ${String(room)}: exactly one create succeeds: ${JSON.stringify(replies)}`);
        assert.equal(await holders(plugin, room), 1, `room ${String(room)} exists on exactly one Janus`);
        const [listA, listB] = await Promise.all([
          syncRequest(a, atA, { request: 'listparticipants', room }),
          syncRequest(b, atB, { request: 'listparticipants', room }),
        ]);
        assert.equal(listA.error_code, undefined, JSON.stringify(listA));
        assert.deepEqual(listA, listB, 'listparticipants is the same from both proxies');
      }
    });
  }
});
