// Decision 17 against a real redis-server: a proxy's stores share ONE command connection and one
// pub/sub subscriber (CLIENT LIST by name), plus, with `wait_replicas`, one for the WAITed session
// record writes; every store follows its channels again after that shared subscriber is cut; and
// a subscriber that never gets ready fails the start in time, saying which connection and where.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startRedis, redisCommand, type RedisInstance } from '../support/redis-fixture.js';
import { freePort, pollUntil, terminateChild, trackChild, waitForExit } from '../support/processes.js';
import { startTestProxy } from '../support/proxy-fixture.js';
import { openStores, type StoreConfig, type Stores } from '../../src/store/factory.js';
import type { RoomChange, RoomRecord } from '../../src/store/room-store.js';
import type { JsonObject } from '../../src/protocol/messages.js';
import { PROXY_NODE_FLAGS } from '../../src/cli/runtime-flags.js';

const logger = pino({ level: 'silent' });
const AUDIOBRIDGE = 'janus.plugin.audiobridge';

interface Client {
  id: string;
  name: string;
  sub: number;
  cmd: string;
}

/** Every client connection Redis has, but the one asking. */
async function clients(port: number): Promise<Client[]> {
  const list = await redisCommand(port, ['CLIENT', 'LIST']);
  if (typeof list !== 'string') throw new Error('CLIENT LIST: not a string');
  return list.split('\n').filter((line) => line.trim() !== '' && !line.includes(' cmd=client|list')).map((line) => {
    const fields = new Map(line.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    return { id: fields.get('id') ?? '', name: fields.get('name') ?? '', sub: Number(fields.get('sub') ?? 0), cmd: fields.get('cmd') ?? '' };
  });
}

/**
 * A loopback port in front of Redis that passes the connections named `-commands` (ioredis sends
 * CLIENT SETNAME first) and holds the others open without a byte in reply: a subscriber that
 * connects but never gets ready, while the command connection works.
 */
async function stallingSubscribers(redisPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!/-(commands|subscriber|durable)/.test(head)) return;
      client.off('data', onData);
      if (!head.includes('-commands')) return; // held: never answered
      const upstream = connect({ host: '127.0.0.1', port: redisPort });
      sockets.add(upstream);
      upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
      upstream.on('error', () => undefined);
      client.on('close', () => upstream.destroy());
      upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => { resolve(); });
    }),
  };
}

function room(id: number): RoomRecord {
  return {
    id, params: { publishers: 6 }, secret: undefined, description: `Room ${String(id)}`, isPrivate: false, permanent: false,
    allowed: { enabled: false, tokens: [] }, listEntry: {}, publishersPerBackend: 2, backends: ['janus-1'], participants: {}, createdAt: 1,
  };
}

describe('openStores over Redis', () => {
  let redis: RedisInstance;
  let prefixes = 0;

  before(async () => { redis = await startRedis(); });
  after(async () => { await redis.stop(); });

  const config = (): StoreConfig => ({ type: 'redis', redis_url: redis.url, key_prefix: `os${String(++prefixes)}:`, proxy_ttl_s: 15 });

  it('a proxy holds exactly two Redis connections, named after it, and none once stopped (stored tokens on)', async () => {
    const store = config();
    // Stored tokens on (token_auth without a secret): the token store follows its channel too.
    await redisCommand(redis.port, ['HSET', `${store.key_prefix}tokens`, 'tok', '[]']);
    const proxy = await startTestProxy([], { store: { type: 'redis', redis_url: redis.url, key_prefix: store.key_prefix }, general: { token_auth: true } });
    let stopped = false;
    try {
      const name = `janus-cloud:${proxy.proxyId}`;
      // The servers channel is subscribed when the registry starts listening: wait for all six.
      const mine = await pollUntil('the proxy\'s subscriber on every channel', async () => {
        const all = await clients(redis.port);
        return all.find((c) => c.name === `${name}-subscriber`)?.sub === 6 ? all : undefined;
      }, 10_000);
      assert.deepEqual(mine.map((c) => c.name).sort(), [`${name}-commands`, `${name}-subscriber`], 'nothing else is connected');
      const channels = await redisCommand(redis.port, ['PUBSUB', 'CHANNELS', `${store.key_prefix}*`]);
      assert.deepEqual((channels as string[]).sort(), [
        `${store.key_prefix}bus:${proxy.proxyId}`, `${store.key_prefix}room-routes:changed`, `${store.key_prefix}servers:changed`,
        `${store.key_prefix}tokens:changed`, `${store.key_prefix}vrooms:changed`, `${store.key_prefix}vrooms:events`,
      ]);

      // A client session (a session record), the proxy list (the lease), the room list (the room store).
      const created = await fetch(proxy.httpUrl ?? '', { method: 'POST', body: JSON.stringify({ janus: 'create', transaction: 't1', token: 'tok' }) });
      assert.equal(((await created.json()) as JsonObject).janus, 'success');
      const auth = { authorization: 'Bearer test-admin-token' };
      assert.equal((await fetch(`${proxy.adminUrl ?? ''}/proxies`, { headers: auth })).status, 200);
      assert.equal((await fetch(`${proxy.adminUrl ?? ''}/rooms`, { headers: auth })).status, 200);
      assert.deepEqual((await clients(redis.port)).map((c) => c.name).sort(), [`${name}-commands`, `${name}-subscriber`], 'still two');

      await proxy.stop();
      stopped = true;
      await pollUntil('no connection left', async () => ((await clients(redis.port)).length === 0 ? true : undefined), 5_000);
    } finally {
      if (!stopped) await proxy.stop();
    }
  });

  it('two proxies on one Redis: two connections each', async () => {
    const store = { type: 'redis', redis_url: redis.url, key_prefix: config().key_prefix };
    const a = await startTestProxy([], { store });
    try {
      const b = await startTestProxy([], { store });
      try {
        const names = (await clients(redis.port)).map((c) => c.name).sort();
        assert.deepEqual(names, [a.proxyId, b.proxyId].sort().flatMap((id) => [`janus-cloud:${id}-commands`, `janus-cloud:${id}-subscriber`]));
      } finally {
        await b.stop();
      }
    } finally {
      await a.stop();
    }
  });

  it('without stored tokens (token_auth off, or with a secret) the tokens channel is not followed', async () => {
    const cfg = config();
    const stores = await openStores(cfg, 'proxy-nt', logger, { storedTokens: false });
    try {
      const channels = await redisCommand(redis.port, ['PUBSUB', 'CHANNELS', `${cfg.key_prefix}*`]);
      assert.deepEqual((channels as string[]).sort(), [
        `${cfg.key_prefix}bus:proxy-nt`, `${cfg.key_prefix}room-routes:changed`, `${cfg.key_prefix}vrooms:changed`, `${cfg.key_prefix}vrooms:events`,
      ]);
      await stores.tokens.add('local', ['janus.plugin.echotest']);
      assert.equal(await redisCommand(redis.port, ['EXISTS', `${cfg.key_prefix}tokens`]), 0, 'kept off Redis');
    } finally {
      await stores.close();
    }
  });

  it('with wait_replicas a proxy holds three connections, the third for WAITed writes, and none once stopped', async () => {
    const store = { type: 'redis', redis_url: redis.url, key_prefix: config().key_prefix, wait_replicas: 1 };
    const proxy = await startTestProxy([], { store });
    let stopped = false;
    try {
      const name = `janus-cloud:${proxy.proxyId}`;
      const expected = [`${name}-commands`, `${name}-durable`, `${name}-subscriber`];
      assert.deepEqual((await clients(redis.port)).map((c) => c.name).sort(), expected);
      // A client session: its record is written, then WAITed for (no replica: WAIT gives up after 100 ms).
      const created = await fetch(proxy.httpUrl ?? '', { method: 'POST', body: JSON.stringify({ janus: 'create', transaction: 't1' }) });
      assert.equal(((await created.json()) as JsonObject).janus, 'success');
      const durable = (await clients(redis.port)).find((c) => c.name === `${name}-durable`);
      assert.equal(durable?.cmd, 'wait', 'the WAIT ran on the durable connection');
      assert.deepEqual((await clients(redis.port)).map((c) => c.name).sort(), expected, 'still three');
      await proxy.stop();
      stopped = true;
      await pollUntil('no connection left', async () => ((await clients(redis.port)).length === 0 ? true : undefined), 5_000);
    } finally {
      if (!stopped) await proxy.stop();
    }
  });

  it('a WAIT for replicas holds up only the session record writes, not the other stores', async () => {
    // No replica and no WAIT timeout: the WAIT blocks until the test unblocks it (CLIENT UNBLOCK).
    const cfg: StoreConfig = { ...config(), wait_replicas: 1, wait_timeout_ms: 0, command_timeout_ms: 60_000 };
    const stores = await openStores(cfg, 'proxy-w', logger);
    try {
      let settled = false;
      const created = stores.sessions.create({ id: 71, transport: 'ws', auth: 'x', created_at: Date.now(), reclaim_s: 0 });
      void created.finally(() => { settled = true; });
      const waiting = await pollUntil('the session write WAITing on the durable connection', async () => (
        (await clients(redis.port)).find((c) => c.name === 'janus-cloud:proxy-w-durable' && c.cmd === 'wait')
      ), 5_000, 20);
      // Every other store still answers meanwhile, on the command connection.
      await stores.tokens.add('t-during-wait', ['janus.plugin.echotest']);
      assert.equal(await stores.routes.claim(AUDIOBRIDGE, 9, 'janus-1'), 'janus-1');
      assert.equal(await stores.rooms.create(room(4001)), true);
      assert.equal(await stores.users.claim('videocall', { username: 'carol', proxy: 'proxy-w', owner: 'h1' }), true);
      assert.equal((await stores.sessions.get(71))?.owner, 'proxy-w', 'the record itself is written before the WAIT');
      assert.equal(settled, false, 'the session write still waits for its WAIT');
      await redisCommand(redis.port, ['CLIENT', 'UNBLOCK', waiting.id]);
      assert.equal(await created, true);
    } finally {
      await stores.close();
    }
  });

  it('a subscriber that never gets ready fails the opening in time, naming the Redis address and the connection', async () => {
    const stall = await stallingSubscribers(redis.port);
    try {
      const cfg: StoreConfig = { ...config(), redis_url: `redis://127.0.0.1:${String(stall.port)}` };
      const started = Date.now();
      await assert.rejects(openStores(cfg, 'proxy-stall', logger, { startupTimeoutMs: 2_000 }), (err: Error) => {
        assert.match(err.message, new RegExp(`^Redis store at redis://127\\.0\\.0\\.1:${String(stall.port)}: not ready within 2 s; not connected: the subscriber connection$`));
        return true;
      });
      assert.ok(Date.now() - started < 30_000, 'did not hang');
      await pollUntil('nothing of it left on Redis', async () => (
        (await clients(redis.port)).some((c) => c.name.startsWith('janus-cloud:proxy-stall-')) ? undefined : true
      ), 5_000);
    } finally {
      await stall.close();
    }
  });

  it('janus-proxy exits with one line naming Redis and the subscriber when the subscriber never gets ready', async () => {
    const stall = await stallingSubscribers(redis.port);
    const dir = mkdtempSync(join(tmpdir(), 'jc-stall-'));
    try {
      const configPath = join(dir, 'janus-proxy.yml');
      writeFileSync(configPath, JSON.stringify({
        log: { level: 'error' },
        ws_transport: { host: '127.0.0.1', port: await freePort() },
        http_transport: { enabled: false },
        admin_api: { enabled: false },
        janus_admin: { enabled: false },
        store: { type: 'redis', redis_url: `redis://127.0.0.1:${String(stall.port)}`, key_prefix: config().key_prefix },
        janus_server: [],
      }));
      const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'janus-proxy.ts');
      const child = spawn(process.execPath, [...PROXY_NODE_FLAGS, '--import', 'tsx', cli, '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      trackChild(child, `janus-proxy pid ${String(child.pid)}`);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      child.stdout.resume();
      try {
        assert.ok(await waitForExit(child, 90_000), 'janus-proxy exited (the start deadline is 20 s)');
      } finally {
        await terminateChild(child);
      }
      assert.equal(child.exitCode, 1);
      const lines = stderr.trim().split('\n');
      assert.equal(lines.at(-1), `janus-proxy: Redis store at redis://127.0.0.1:${String(stall.port)}: not ready within 20 s; not connected: the subscriber connection`);
      assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await stall.close();
    }
  });

  it('after the shared subscriber is cut, every store hears the other proxy again', async () => {
    const cfg = config();
    const opened: Stores[] = [];
    try {
      const a = await openStores(cfg, 'proxy-a', logger);
      opened.push(a);
      const b = await openStores(cfg, 'proxy-b', logger);
      opened.push(b);
      const servers: string[] = [];
      a.servers.onChange((name) => servers.push(name));
      const rooms: RoomChange[] = [];
      a.rooms.watch((change) => rooms.push(change));
      const messages: JsonObject[] = [];
      a.bus.subscribe('hello', (message) => messages.push(message));
      await b.tokens.add('gone-while-cut', ['janus.plugin.echotest']);
      await pollUntil('proxy A loads the token', () => (a.tokens.plugins('gone-while-cut') ? true : undefined), 5_000, 20);

      const subscriber = async (): Promise<Client | undefined> => (await clients(redis.port)).find((c) => c.name === 'janus-cloud:proxy-a-subscriber');
      const before = await pollUntil('A on six channels', async () => { const s = await subscriber(); return s?.sub === 6 ? s : undefined; }, 5_000);
      // Cut it while the token is removed: the announcement is lost, the reload must catch it.
      await redisCommand(redis.port, ['CLIENT', 'KILL', 'ID', before.id]);
      await b.tokens.remove('gone-while-cut');
      const after = await pollUntil('A subscribed again on six channels', async () => {
        const s = await subscriber();
        return s && s.id !== before.id && s.sub === 6 ? s : undefined;
      }, 10_000);
      assert.notEqual(after.id, before.id);
      await pollUntil('the removed token is gone on A', () => (a.tokens.plugins('gone-while-cut') === undefined ? true : undefined), 5_000, 20);

      b.routes.set(AUDIOBRIDGE, 77, 'janus-2');
      await b.tokens.add('t-after', ['janus.plugin.videoroom']);
      await b.servers.upsert({ name: 'janus-9', url: 'ws://127.0.0.1:9', status: 'up' }, 'rest', Date.now());
      assert.equal(await b.rooms.create(room(3001)), true);
      assert.equal(await b.bus.publish('proxy-a', 'hello', { n: 1 }), true, 'A listens on the bus again');
      await pollUntil('A hears every change', () => (
        a.routes.get(AUDIOBRIDGE, 77) === 'janus-2' && a.tokens.plugins('t-after') !== undefined && servers.includes('janus-9')
        && rooms.some((r) => r.room === '3001') && messages.length === 1 ? true : undefined
      ), 5_000, 20);
      assert.equal((await clients(redis.port)).filter((c) => c.name.startsWith('janus-cloud:proxy-a-')).length, 2, 'still two connections');
    } finally {
      for (const stores of opened.reverse()) await stores.close();
    }
  });

  it('rejects with nothing left open when Redis cannot be reached', async () => {
    const down: StoreConfig = { type: 'redis', redis_url: 'redis://127.0.0.1:1', key_prefix: 'down:', proxy_ttl_s: 15, command_timeout_ms: 500 };
    await assert.rejects(openStores(down, 'proxy-down', logger), (err: Error) => {
      assert.match(err.message, /^Redis store at redis:\/\/127\.0\.0\.1:1: could not open the stores: no connection; not connected: the commands and subscriber connections$/);
      return true;
    });
  });
});
