/**
 * The proxy's own JavaScript per relayed EchoTest message, without sockets, syscalls or other
 * processes: the real proxy (startProxy, default settings) runs in this process; its backend
 * connections are wired to an in-process fake Janus and its clients are in-process fake WebSockets
 * handed to the real ClientConnection. Frames still go through the proxy's own parsing, dispatch,
 * relay and serialisation; only `ws` framing and the kernel are left out. Deliveries are batched per
 * event-loop turn, as the network batches them. What the harness itself costs (fake clients and
 * fake Janus) is measured alone in the same run ("harness") and subtracted.
 *
 * Much steadier than the end-to-end rounds (one thread, nothing else in its way), so it can tell
 * a 0.2 µs change in the proxy's own work; it says nothing about `ws`, the kernel or Janus.
 *
 *   node --import tsx bench/in-process.ts [sessions=1000] [rounds=5] [seconds=3]
 *
 * Env: BENCH_PIN_CPU — run every round on this CPU (taskset -c), far steadier on a shared VM;
 * BENCH_BASELINE_DIR — a compiled tree (npx tsc -p tsconfig.build.json --outDir DIR) to
 * compare with, in alternating rounds (or BENCH_STORE=redis: this build on a Redis store, a redis-server started for
 * the run, as the "base"); each round of each build runs in a child process of its own,
 * with the proxy's runtime flags (src/cli/runtime-flags.ts) whichever side it measures.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { buildProxy } from './proxy-process.js';
import { fmt } from './table.js';
import { PROXY_NODE_FLAGS } from '../src/cli/runtime-flags.js';
import { randomId } from '../src/protocol/ids.js';
import { startRedis } from '../test/support/redis-fixture.js';

type Json = Record<string, unknown>;
type Side = 'proxy' | 'proxy-redis' | 'relay' | 'harness';

const ECHOTEST = 'janus.plugin.echotest';
const SESSIONS_PER_CONNECTION = 25;

/** Queues work for the next event-loop turn, all of a turn's work in one callback (as a socket read batches frames). */
class TurnQueue {
  private queued: (() => void)[] = [];

  push(work: () => void): void {
    if (this.queued.push(work) === 1) setImmediate(() => { this.flush(); });
  }

  private flush(): void {
    const work = this.queued;
    this.queued = [];
    for (const run of work) run();
  }
}

/** Answers the Janus API as Janus 1.1.2 does for what the benchmark sends, in compact JSON. */
class FakeJanus {
  /**
   * Ids as Janus makes them: random integers below 2^53, boxed numbers to V8 (small ones would make
   * the fakes' own parsing, printing and lookups cheaper in the harness and relay rounds than where
   * the proxy hands its clients ids of its own, which are random too).
   */
  private newId(): number {
    return randomId();
  }

  constructor(private readonly turns: TurnQueue) {}

  receive(frame: string, reply: (text: string) => void): void {
    const msg = JSON.parse(frame) as Json;
    const { janus, transaction } = msg;
    const sessionId = msg.session_id;
    const send = (out: Json): void => { this.turns.push(() => { reply(JSON.stringify(out)); }); };
    switch (janus) {
      case 'info':
        send({ janus: 'server_info', transaction, name: 'Janus WebRTC Server', version: 1102, version_string: '1.1.2', 'session-timeout': 60, 'reclaim-session-timeout': 0, plugins: { [ECHOTEST]: { name: 'JANUS EchoTest plugin', version: 7 } } });
        return;
      case 'create':
        send({ janus: 'success', transaction, data: { id: typeof msg.id === 'number' ? msg.id : this.newId() } });
        return;
      case 'attach':
        send({ janus: 'success', session_id: sessionId, transaction, data: { id: this.newId() } });
        return;
      case 'message':
        // The EchoTest's ack carries a hint, always.
        send({ janus: 'ack', session_id: sessionId, transaction, hint: "I'm taking my time!" });
        send({ janus: 'event', session_id: sessionId, transaction, sender: msg.handle_id, plugindata: { plugin: ECHOTEST, data: { echotest: 'event', result: 'ok' } } });
        return;
      case 'keepalive':
        send({ janus: 'ack', session_id: sessionId, transaction });
        return;
      default:
        send({ janus: 'success', session_id: sessionId, transaction });
    }
  }
}

/** A fake `ws` WebSocket: what ClientConnection and BackendConnection call on one. */
class FakeSocket {
  readonly bufferedAmount = 0;
  private readonly listeners = new Map<string, (data: unknown) => void>();

  constructor(private readonly onSend: (frame: string) => void) {}

  on(event: string, listener: (data: unknown) => void): this {
    this.listeners.set(event, listener);
    return this;
  }

  send(frame: string): void {
    this.onSend(frame);
  }

  deliver(text: string): void {
    this.listeners.get('message')?.(Buffer.from(text));
  }

  ping(): void { /* no pongs needed: pings are off */ }
  close(): void { /* nothing to close */ }
  terminate(): void { /* nothing to close */ }
}

/** One client connection carrying sessions in a closed loop: each sends its next message on the previous one's event. */
class FakeClient {
  readonly socket: FakeSocket;
  private readonly waiting = new Map<string, (msg: Json) => void>();
  private readonly loops = new Map<number, { handleId: number; sent: number }>();
  private nextTransaction = 0;
  events = 0;
  running = true;

  constructor(private readonly turns: TurnQueue) {
    this.socket = new FakeSocket((frame) => { this.onFrame(frame); });
  }

  request(msg: Json): Promise<Json> {
    const transaction = `c-${(this.nextTransaction++).toString(36).padStart(8, '0')}`;
    return new Promise((resolve) => {
      this.waiting.set(transaction, resolve);
      this.send({ ...msg, transaction });
    });
  }

  startLoop(sessionId: number, handleId: number): void {
    this.loops.set(sessionId, { handleId, sent: 0 });
    this.sendMessage(sessionId, handleId);
  }

  private sendMessage(sessionId: number, handleId: number): void {
    const transaction = `m-${(this.nextTransaction++).toString(36).padStart(8, '0')}`;
    this.send({ janus: 'message', session_id: sessionId, handle_id: handleId, transaction, body: { audio: true, video: true } });
  }

  private send(msg: Json): void {
    const text = JSON.stringify(msg);
    this.turns.push(() => { this.socket.deliver(text); });
  }

  private onFrame(frame: string): void {
    const msg = JSON.parse(frame) as Json;
    if (msg.janus === 'event') {
      const loop = this.loops.get(msg.session_id as number);
      if (!loop) return;
      this.events++;
      if (this.running) this.sendMessage(msg.session_id as number, loop.handleId);
      return;
    }
    if (msg.janus === 'ack' && typeof msg.transaction === 'string' && msg.transaction.startsWith('m-')) return;
    const resolve = this.waiting.get(msg.transaction as string);
    if (!resolve) return;
    this.waiting.delete(msg.transaction as string);
    resolve(msg);
  }
}

interface ProxyModules {
  startProxy: (config: unknown, logger: unknown) => Promise<{ stop(): Promise<void>; httpUrl: string | undefined }>;
  parseProxyConfig: (input: unknown) => unknown;
  BackendConnection: { prototype: Record<string, unknown> };
  BatchedSender: new (ws: unknown) => unknown;
  ClientConnection: new (id: string, ws: unknown, origin: unknown, options: unknown) => unknown;
  Dispatcher: { prototype: Record<string, unknown> };
  pino: (options: unknown) => unknown;
}

async function loadModules(root: string): Promise<ProxyModules> {
  const at = (path: string): string => pathToFileURL(join(root, path)).href;
  const [proxy, load, connection, batching, client, dispatcher, pinoModule] = await Promise.all([
    import(at('proxy.js')), import(at('config/load.js')), import(at('backend/connection.js')), import(at('protocol/write-batching.js')),
    import(at('transport/client-connection.js')), import(at('core/dispatcher.js')), import('pino'),
  ]) as [Json, Json, Json, Json, Json, Json, { default: ProxyModules['pino'] }];
  return {
    startProxy: proxy.startProxy as ProxyModules['startProxy'],
    parseProxyConfig: load.parseProxyConfig as ProxyModules['parseProxyConfig'],
    BackendConnection: connection.BackendConnection as ProxyModules['BackendConnection'],
    BatchedSender: batching.BatchedSender as ProxyModules['BatchedSender'],
    ClientConnection: client.ClientConnection as ProxyModules['ClientConnection'],
    Dispatcher: dispatcher.Dispatcher as ProxyModules['Dispatcher'],
    pino: pinoModule.default,
  };
}

/** One measured round in this process: `proxy` through the proxy in `root`, `harness` the fakes talking directly. */
async function round(root: string, side: Side, sessions: number, seconds: number): Promise<{ usPerMessage: number; messages: number }> {
  const turns = new TurnQueue();
  const janus = new FakeJanus(turns);
  const clients = Array.from({ length: Math.ceil(sessions / SESSIONS_PER_CONNECTION) }, () => new FakeClient(turns));
  let stop = (): Promise<void> => Promise.resolve();
  if (side === 'proxy' || side === 'proxy-redis') {
    const m = await loadModules(root);
    // The proxy's backend connections talk to the fake Janus instead of opening a socket.
    m.BackendConnection.prototype.connect = function connect(this: Record<string, unknown>): Promise<void> {
      const socket = new FakeSocket((frame) => { janus.receive(frame, (text) => { socket.deliver(text); }); });
      const onFrame = (this.onFrame as (d: unknown) => void).bind(this);
      socket.on('message', onFrame);
      Object.assign(this, { ws: socket, sender: new m.BatchedSender(socket), state: 'open' });
      return Promise.resolve();
    };
    const logger = m.pino({ level: 'error' });
    const config = m.parseProxyConfig({
      janus_server: [{ name: 'fake', url: 'ws://fake.invalid:8188' }],
      ws_transport: { host: '127.0.0.1', port: 0 }, http_transport: { host: '127.0.0.1', port: 0 }, admin_api: { host: '127.0.0.1', port: 0 },
      // A key prefix of its own: the sessions an earlier round's proxy left would be swept (read,
      // taken over, removed) by this one while it is measured.
      ...(side === 'proxy-redis' && { store: { type: 'redis', redis_url: process.env.BENCH_REDIS_URL, key_prefix: `in-process-${String(process.pid)}:` } }),
    });
    const proxy = await m.startProxy(config, logger);
    stop = () => proxy.stop();
    // The proxy's dispatcher, caught on the way of one request over its HTTP transport.
    type Dispatcher = { dispatch(payload: unknown, sink: unknown): void };
    const caught: Dispatcher[] = [];
    const dispatch = m.Dispatcher.prototype.dispatch as (payload: unknown, sink: unknown) => void;
    m.Dispatcher.prototype.dispatch = function capture(this: Dispatcher, payload: unknown, sink: unknown): void {
      caught.push(this);
      dispatch.call(this, payload, sink);
    };
    await fetch(proxy.httpUrl ?? '', { method: 'POST', body: JSON.stringify({ janus: 'info', transaction: 'x' }) });
    m.Dispatcher.prototype.dispatch = dispatch;
    const d = caught[0];
    if (!d) throw new Error('no dispatcher caught');
    const options = { maxMessageBytes: 1 << 20, maxBufferedBytes: 1 << 24, json: 'compact', pingIntervalMs: 0, logger: logger, onRequest: (_: unknown) => undefined, onClose: () => undefined };
    clients.forEach((client, i) => {
      const connection = new m.ClientConnection(`fake-${String(i)}`, client.socket, { address: '127.0.0.1' }, { ...options, onRequest: (payload: unknown) => { d.dispatch(payload, connection); } });
    });
    const first = clients[0];
    if (!first) throw new Error('no sessions');
    await waitFor(async () => JSON.stringify((await first.request({ janus: 'info' })).plugins ?? {}).includes(ECHOTEST));
  } else if (side === 'relay') {
    // The reference relay's per-frame work (bench/reference-relay.ts) between the same fakes.
    // Open requests by their transaction's counter, in an array as bench/reference-relay.ts keeps them.
    const slots = 1 << 16;
    const open: ({ client: FakeSocket; transaction: unknown; left: number } | undefined)[] = new Array<{ client: FakeSocket; transaction: unknown; left: number } | undefined>(slots).fill(undefined);
    let nextTransaction = 0;
    const fromBackend = (data: Buffer): void => {
      const msg = JSON.parse(data.toString('utf8')) as Json;
      const slot = parseInt((msg.transaction as string).slice('relay-'.length), 36) % slots;
      const request = open[slot];
      if (!request) return;
      if (--request.left === 0) open[slot] = undefined;
      msg.transaction = request.transaction;
      request.client.send(JSON.stringify(msg));
    };
    for (const client of clients) {
      const socket = client.socket;
      socket.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8')) as Json;
        const counter = nextTransaction++;
        const transaction = `relay-${counter.toString(36).padStart(6, '0')}`;
        open[counter % slots] = { client: socket, transaction: msg.transaction, left: msg.janus === 'message' ? 2 : 1 };
        msg.transaction = transaction;
        janus.receive(JSON.stringify(msg), (text) => { fromBackend(Buffer.from(text)); });
      });
    }
  } else {
    // The fakes alone: client frames go straight to the fake Janus and back.
    for (const client of clients) {
      const socket = client.socket;
      socket.on('message', (data) => { janus.receive((data as Buffer).toString('utf8'), (text) => { socket.send(text); }); });
    }
  }
  await Promise.all(clients.map(async (client, c) => {
    const count = Math.min(SESSIONS_PER_CONNECTION, sessions - c * SESSIONS_PER_CONNECTION);
    for (let i = 0; i < count; i++) {
      const created = await client.request({ janus: 'create' });
      const sessionId = (created.data as { id: number }).id;
      const attached = await client.request({ janus: 'attach', session_id: sessionId, plugin: ECHOTEST });
      client.startLoop(sessionId, (attached.data as { id: number }).id);
    }
  }));
  await sleepMs(1000); // warm-up: the JIT settles
  const events0 = clients.reduce((n, c) => n + c.events, 0);
  const cpu0 = process.cpuUsage();
  await sleepMs(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const messages = clients.reduce((n, c) => n + c.events, 0) - events0;
  for (const client of clients) client.running = false;
  await sleepMs(100);
  await stop();
  return { usPerMessage: (cpu.user + cpu.system) / messages, messages };
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => { setTimeout(resolve, ms); });
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check().catch(() => false)) return;
    await sleepMs(25);
  }
  throw new Error('the proxy never saw the fake Janus');
}

/** Runs one round in a child process (a fresh heap and JIT per round and build). */
function child(root: string, side: Side, sessions: number, seconds: number): Promise<{ usPerMessage: number; messages: number }> {
  return new Promise((resolve, reject) => {
    const args = [...PROXY_NODE_FLAGS, '--import', 'tsx', fileURLToPath(import.meta.url), '--child', root, side, String(sessions), String(seconds)];
    // Pinned, a round's figure moved by ±0.3 µs here where unpinned rounds moved by several µs.
    const cpu = process.env.BENCH_PIN_CPU;
    const proc = cpu === undefined
      ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
      : spawn('taskset', ['-c', cpu, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    proc.on('error', reject); // e.g. no taskset for BENCH_PIN_CPU
    let out = '';
    proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    proc.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`round exited ${String(code)}: ${out}`));
      else resolve(JSON.parse(line) as { usPerMessage: number; messages: number });
    });
  });
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, root = '', side = 'proxy', sessions, seconds] = args;
    const result = await round(root, side as Side, Number(sessions), Number(seconds));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  }
  const sessions = Number(args[0] ?? 1000);
  const rounds = Number(args[1] ?? 5);
  const seconds = Number(args[2] ?? 3);
  const build = await buildProxy();
  const thisRoot = join(build.entry, '..', '..');
  // BENCH_STORE=redis: the "base" side is this build on a Redis store (a redis-server started here).
  const redisStore = process.env.BENCH_STORE === 'redis' ? await startRedis() : undefined;
  if (redisStore) process.env.BENCH_REDIS_URL = redisStore.url;
  const baseRoot = redisStore ? thisRoot : process.env.BENCH_BASELINE_DIR;
  const baseSide: Side = redisStore ? 'proxy-redis' : 'proxy';
  try {
    await runRounds(sessions, rounds, seconds, thisRoot, baseRoot, baseSide);
  } finally {
    await redisStore?.stop();
  }
}

async function runRounds(sessions: number, rounds: number, seconds: number, thisRoot: string, baseRoot: string | undefined, baseSide: Side): Promise<void> {
  const proxy: number[] = [];
  const relay: number[] = [];
  const base: number[] = [];
  for (let r = 1; r <= rounds; r++) {
    // Each figure is what the side costs beyond the fakes of the same round.
    const harness = (await child(thisRoot, 'harness', sessions, seconds)).usPerMessage;
    const relayRound = (await child(thisRoot, 'relay', sessions, seconds)).usPerMessage - harness;
    const mine = await child(thisRoot, 'proxy', sessions, seconds);
    relay.push(relayRound);
    proxy.push(mine.usPerMessage - harness);
    let line = `round ${String(r)}: fakes ${fmt(harness, 2)} µs | reference relay ${fmt(relayRound, 2)} µs | proxy ${fmt(mine.usPerMessage - harness, 2)} µs (${String(mine.messages)} msgs)`;
    if (baseRoot) {
      const baseRound = (await child(baseRoot, baseSide, sessions, seconds)).usPerMessage - harness;
      base.push(baseRound);
      line += ` | base ${fmt(baseRound, 2)} µs | proxy − base ${fmt(mine.usPerMessage - harness - baseRound, 2)} µs`;
    }
    process.stdout.write(`${line}\n`);
  }
  let summary = `@${String(sessions)}: per message beyond the fakes, median of ${String(rounds)} rounds: proxy ${fmt(median(proxy), 2)} µs, reference relay ${fmt(median(relay), 2)} µs, proxy − relay ${fmt(median(proxy.map((p, i) => p - (relay[i] ?? Number.NaN))), 2)} µs`;
  if (baseRoot) summary += `; base ${fmt(median(base), 2)} µs, proxy − base ${fmt(median(proxy.map((p, i) => p - (base[i] ?? Number.NaN))), 2)} µs`;
  process.stdout.write(`${summary}\n`);
}

await main();
