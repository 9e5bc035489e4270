// A `create` naming a new room (AudioBridge, TextRoom, Streaming) claims the room's route before
// Janus has the room; when Janus rejects the create, the route it claimed is released, and only
// that one: a route the create did not claim, or one to a room the backend does hold, stays. Two
// real Janus, one proxy with each store type (memory, and a real Redis); a selector module of the
// test's own says where new rooms go, so that a stale route shows as a room made on the wrong Janus.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { startRedis, redisCommand, type RedisInstance } from '../support/redis-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { openHandle, syncRequest, type Data } from '../support/plugin-messages.js';
import { pollUntil } from '../support/processes.js';
import { routeKey } from '../../src/store/room-routes.js';

const AB = 'janus.plugin.audiobridge';
const TR = 'janus.plugin.textroom';
const SP = 'janus.plugin.streaming';
const KEY_PREFIX = 'jc-claims:';

/** Where the proxy's selection pipeline puts new rooms: the backend named here (a global, read by the selector module). */
const TARGET = '__roomClaimsTarget';
const SELECTOR = `
export function select(backends, ctx) {
  const up = backends.filter((b) => b.connected && b.plugins.has(ctx.plugin)).map((b) => b.name);
  const target = globalThis.${TARGET};
  return { chosen: up.includes(target) ? target : up[0], candidates: backends.map((b) => ({ name: b.name, eligible: up.includes(b.name) })) };
}
`;
function newRoomsOn(janus: JanusInstance): void {
  (globalThis as Record<string, unknown>)[TARGET] = janus.name;
}

/** Per plugin: a valid create, one Janus rejects for its parameters (and that error code), the "exists" error, and how to ask a Janus directly. */
type PluginCase = {
  plugin: string;
  create: (room: number) => Data;
  invalid: (room: number) => Data;
  invalidCode: number;
  existsCode: number;
  holds: (client: JanusTestClient, room: number) => Promise<boolean>;
};

async function on(client: JanusTestClient, plugin: string, body: Data): Promise<Data> {
  return syncRequest(client, await openHandle(client, plugin), body);
}

const CASES: Record<'audiobridge' | 'textroom' | 'streaming', PluginCase> = {
  audiobridge: {
    plugin: AB,
    create: (room) => ({ request: 'create', room }),
    invalid: (room) => ({ request: 'create', room, description: 5 }),
    invalidCode: 484,
    existsCode: 486,
    holds: async (client, room) => (await on(client, AB, { request: 'exists', room })).exists === true,
  },
  textroom: {
    plugin: TR,
    create: (room) => ({ request: 'create', room }),
    invalid: (room) => ({ request: 'create', room, description: 5 }),
    invalidCode: 414,
    existsCode: 418,
    holds: async (client, room) => (await on(client, TR, { request: 'exists', room })).exists === true,
  },
  streaming: {
    plugin: SP,
    create: (id) => ({ request: 'create', type: 'rtp', id, audio: true, audioport: 0, audiopt: 111, audiortpmap: 'opus/48000/2' }),
    invalid: (id) => ({ request: 'create', type: 'rtp', id, description: 5 }),
    invalidCode: 454,
    existsCode: 456,
    holds: async (client, id) => (await on(client, SP, { request: 'info', id })).error_code === undefined,
  },
};

for (const storeType of ['memory', 'redis'] as const) {
  describe(`a rejected create releases the room route it claimed (${storeType} store)`, { timeout: 180_000 }, () => {
    let janus: [JanusInstance, JanusInstance];
    let redis: RedisInstance | undefined;
    let proxy: TestProxy;
    let selectorDir: string;
    const clients: JanusTestClient[] = [];
    // Room ids apart per store type: both describes' rooms stay on the same kind of fresh Janus.
    let nextRoom = storeType === 'memory' ? 71_000 : 72_000;
    const newRoom = (): number => nextRoom++;

    before(async () => {
      selectorDir = mkdtempSync(join(tmpdir(), 'jc-room-claims-'));
      writeFileSync(join(selectorDir, 'selector.mjs'), SELECTOR);
      const plugins = ['audiobridge', 'textroom', 'streaming'];
      janus = await Promise.all([
        startJanus({ netns: false, plugins, serverName: 'janus-a' }), startJanus({ netns: false, plugins, serverName: 'janus-b' }),
      ]);
      redis = storeType === 'redis' ? await startRedis() : undefined;
      newRoomsOn(janus[0]);
      proxy = await startTestProxy(janus, {
        backends: { selector_module: join(selectorDir, 'selector.mjs') },
        store: redis ? { type: 'redis', redis_url: redis.url, key_prefix: KEY_PREFIX } : {},
      });
    });
    after(async () => {
      await Promise.all(clients.map((c) => c.close()));
      await proxy.stop();
      await Promise.all(janus.map((j) => j.stop()));
      await redis?.stop();
      rmSync(selectorDir, { recursive: true, force: true });
    });

    async function connect(url: string): Promise<JanusTestClient> {
      const client = await JanusTestClient.connect(url);
      clients.push(client);
      return client;
    }

    /** Each request on a new handle of the proxy: no handle's own backend sways where it goes. */
    async function viaProxy(plugin: string, body: Data): Promise<Data> {
      return on(await connect(proxy.url), plugin, body);
    }

    /** Which Janus hold `room`, asked directly. */
    async function holders(c: PluginCase, room: number): Promise<string[]> {
      const found: string[] = [];
      for (const j of janus) if (await c.holds(await connect(j.wsUrl), room)) found.push(j.name);
      return found;
    }

    /** With Redis, the shared store agrees: the route is (or is not) in its hash. */
    async function assertStoredRoute(plugin: string, room: number, backend: string | undefined): Promise<void> {
      if (!redis) return;
      const { port } = redis;
      // A route deleted here reaches Redis right after (the proxy's copy first, never waiting on Redis).
      let stored: unknown;
      await pollUntil(`the route of ${plugin} room ${String(room)} in Redis to be ${String(backend)}`, async () => {
        stored = (await redisCommand(port, ['HGET', `${KEY_PREFIX}room-routes`, routeKey(plugin, room)])) ?? undefined;
        return stored === backend ? true : undefined;
      }, 5_000).catch(() => { assert.equal(stored, backend, `the route of ${plugin} room ${String(room)} in Redis`); });
    }

    for (const name of ['audiobridge', 'streaming'] as const) {
      const c = CASES[name];

      it(`${name}: a create Janus rejects leaves no route; the next create of that room goes where new rooms go now`, async () => {
        const room = newRoom();
        newRoomsOn(janus[0]);
        const rejected = await viaProxy(c.plugin, c.invalid(room));
        assert.equal(rejected.error_code, c.invalidCode, JSON.stringify(rejected));
        await assertStoredRoute(c.plugin, room, undefined);
        newRoomsOn(janus[1]);
        const created = await viaProxy(c.plugin, c.create(room));
        assert.equal(created.error_code, undefined, JSON.stringify(created));
        assert.deepEqual(await holders(c, room), [janus[1].name], 'made where new rooms go now, not where the rejected create was claimed');
        await assertStoredRoute(c.plugin, room, janus[1].name);
      });

      it(`${name}: a rejected create of a room the proxy routes already keeps that route`, async () => {
        const room = newRoom();
        newRoomsOn(janus[0]);
        assert.equal((await viaProxy(c.plugin, c.create(room))).error_code, undefined);
        const rejected = await viaProxy(c.plugin, c.invalid(room));
        assert.equal(rejected.error_code, c.invalidCode, JSON.stringify(rejected));
        newRoomsOn(janus[1]);
        const again = await viaProxy(c.plugin, c.create(room));
        assert.equal(again.error_code, c.existsCode, `the room's own Janus answers: ${JSON.stringify(again)}`);
        assert.deepEqual(await holders(c, room), [janus[0].name], 'no second room on the other Janus');
        await assertStoredRoute(c.plugin, room, janus[0].name);
      });

      it(`${name}: a claimed create rejected because the room is on that Janus already keeps the route there`, async () => {
        const room = newRoom();
        assert.equal((await on(await connect(janus[0].wsUrl), c.plugin, c.create(room))).error_code, undefined, 'made on janus-a directly');
        newRoomsOn(janus[0]);
        const rejected = await viaProxy(c.plugin, c.create(room));
        assert.equal(rejected.error_code, c.existsCode, JSON.stringify(rejected));
        await assertStoredRoute(c.plugin, room, janus[0].name);
        newRoomsOn(janus[1]);
        const again = await viaProxy(c.plugin, c.create(room));
        assert.equal(again.error_code, c.existsCode, `still routed to the Janus that has it: ${JSON.stringify(again)}`);
        assert.deepEqual(await holders(c, room), [janus[0].name]);
      });
    }

    // TextRoom rooms made through the proxy go where room-less handles go (the first Janus by name),
    // whatever the selector says; so the stale route shows as a room another Janus holds not found.
    it('textroom: a create Janus rejects leaves no route; the room on the other Janus is then found', async () => {
      const c = CASES.textroom;
      const room = newRoom();
      const [first, other] = [...janus].sort((x, y) => x.name.localeCompare(y.name)) as [JanusInstance, JanusInstance];
      assert.equal((await on(await connect(other.wsUrl), TR, c.create(room))).error_code, undefined, `made on ${other.name} directly`);
      const rejected = await viaProxy(TR, c.invalid(room));
      assert.equal(rejected.error_code, c.invalidCode, JSON.stringify(rejected));
      assert.deepEqual(await holders(c, room), [other.name], `the rejected create made nothing on ${first.name}`);
      await assertStoredRoute(TR, room, undefined);
      const exists = await viaProxy(TR, { request: 'exists', room });
      assert.equal(exists.exists, true, `found on ${other.name}: ${JSON.stringify(exists)}`);
      await assertStoredRoute(TR, room, other.name);
    });
  });
}
