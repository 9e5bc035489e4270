/**
 * The component-test harness: the real proxy in-process in front of fake Janus servers (or several
 * proxies on one real redis-server, for take-over), and one
 * shared check at the end of every test that nothing leaked — no session or handle left on a fake
 * Janus or in the proxy, no placement still counted, no backend request still pending, no held
 * reply forgotten by the test, and no timer or socket keeping the event loop alive once all stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeJanus, FAKE_PLUGIN, type FakeJanusOptions } from '../support/fake-janus.js';
import { startTestProxy, type ProxyOverrides, type TestProxy } from '../support/proxy-fixture.js';
import { JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import type { Backend } from '../../src/cluster/backend.js';
import { pollUntil } from '../support/processes.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';

export { FAKE_PLUGIN };

export interface Harness {
  /** The first proxy (the only one unless `proxies` asks for more). */
  proxy: TestProxy;
  /** Every proxy, in front of the same fakes. */
  proxies: TestProxy[];
  fakes: FakeJanus[];
  /** The proxies' shared redis-server, when there are several. */
  redis: RedisInstance | undefined;
  /** A client on a proxy's WebSocket transport (the first proxy's by default); closed by the harness before the leak check. */
  client: (at?: TestProxy) => Promise<JanusTestClient>;
}

export interface ComponentOptions {
  /** One fake Janus per entry (default: one with default options), named fake-1, fake-2… in config order. */
  fakes?: FakeJanusOptions[];
  /** Proxy config; `backends` is merged over the harness's (no spare sessions, one connection per backend). */
  proxy?: ProxyOverrides;
  /**
   * More than one proxy: they share a real redis-server (store: redis, as a cluster runs), so a
   * session may be taken over from one to another. Default 1, with the memory store.
   */
  proxies?: number;
  /** A known defect: the test runs and reports, but does not fail the suite. Say why. */
  todo?: string;
}

const SETTLE_MS = 10_000;

/** Runs `body` against a fresh proxy and fake Janus servers, then checks that nothing leaked. */
export function componentTest(name: string, options: ComponentOptions, body: (h: Harness) => Promise<void>): void {
  test(name, options.todo === undefined ? {} : { todo: options.todo }, async () => {
    const baseline = activeResources();
    const fakes: FakeJanus[] = [];
    const clients: JanusTestClient[] = [];
    const proxies: TestProxy[] = [];
    let redis: RedisInstance | undefined;
    try {
      for (const o of options.fakes ?? [{}]) fakes.push(await FakeJanus.start(o));
      const count = options.proxies ?? 1;
      if (count > 1) redis = await startRedis();
      for (let i = 0; i < count; i++) {
        proxies.push(await startTestProxy([], {
          ...options.proxy,
          ...(redis && {
            store: { type: 'redis', redis_url: redis.url, ...options.proxy?.store },
            general: { server_name: `proxy-${i + 1}`, ...options.proxy?.general },
          }),
          backends: { spare_sessions: 0, connections_per_server: 1, ...options.proxy?.backends },
          janus_server: fakes.map((f, n) => ({ name: `fake-${n + 1}`, url: f.url })),
        }));
      }
      const first = proxies[0]!;
      const client = async (at: TestProxy = first): Promise<JanusTestClient> => {
        const c = await JanusTestClient.connect(at.url);
        clients.push(c);
        return c;
      };
      await body({ proxy: first, proxies, fakes, redis, client });
      for (const c of clients) await c.close();
      await assertNothingLeaked(proxies, fakes, spareSessions(options));
    } finally {
      for (const c of clients) await c.close();
      for (const p of proxies) await p.stop();
      for (const f of fakes) await f.stop();
      await redis?.stop();
    }
    await assertNoResourcesLeft(baseline);
  });
}

/** What the proxies (summed) and each fake Janus still hold, in one object so a failure shows all of it. */
function holdings(proxies: readonly TestProxy[], fakes: readonly FakeJanus[]): Record<string, unknown> {
  const sum = (f: (p: TestProxy) => number): number => proxies.reduce((n, p) => n + f(p), 0);
  // Backends in config order, the same on every proxy.
  const perBackend = (f: (b: Backend) => number): number[] =>
    fakes.map((_, i) => sum((p) => f([...p.cluster.backends.values()][i]!)));
  return {
    proxySessions: sum((p) => p.sessions.size),
    proxyHandles: sum((p) => p.sessions.handleCount()),
    placedHandles: perBackend((b) => b.liveHandles),
    pendingBackendRequests: perBackend((b) => b.pool.pendingRequests),
    routedBackendSessions: perBackend((b) => b.pool.routedSessions),
    fakeSessions: fakes.map((f) => f.sessionIds().length),
    fakeHandles: fakes.map((f) => f.handleIds().length),
    heldReplies: fakes.map((f) => f.held().map((r) => r.janus)),
  };
}

/** The spare backend sessions the proxy keeps open on each backend (none unless a test asks). */
function spareSessions(options: ComponentOptions): number {
  const configured = options.proxy?.backends?.spare_sessions;
  return typeof configured === 'number' ? configured : 0;
}

/** Only the spare sessions (of every proxy) may be left, empty, on each backend; the proxies hold nothing else. */
async function assertNothingLeaked(proxies: readonly TestProxy[], fakes: readonly FakeJanus[], sparesPerProxy: number): Promise<void> {
  const spares = sparesPerProxy * proxies.length;
  const none = {
    proxySessions: 0,
    proxyHandles: 0,
    placedHandles: fakes.map(() => 0),
    pendingBackendRequests: fakes.map(() => 0),
    routedBackendSessions: fakes.map(() => spares),
    fakeSessions: fakes.map(() => spares),
    fakeHandles: fakes.map(() => 0),
    heldReplies: fakes.map(() => []),
  };
  // The client's sessions end when its socket closes; their backend sessions are destroyed a
  // round trip later. Wait for that, then compare (so a failure shows everything still held).
  await pollUntil('nothing held', () => (isDeepEqual(holdings(proxies, fakes), none) ? true : undefined), SETTLE_MS, 10).catch(() => undefined);
  assert.deepEqual(holdings(proxies, fakes), none, 'something leaked');
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

/** Counts of the resources keeping the event loop alive (unref'd timers do not count). */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function extraResources(baseline: ReadonlyMap<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [kind, count] of activeResources()) {
    const more = count - (baseline.get(kind) ?? 0);
    if (more > 0) extra[kind] = more;
  }
  return extra;
}

/** Sockets finish closing a turn or two after stop(); anything still there after that leaked. */
async function assertNoResourcesLeft(baseline: ReadonlyMap<string, number>): Promise<void> {
  await pollUntil('resources released', () => (Object.keys(extraResources(baseline)).length === 0 ? true : undefined), SETTLE_MS, 10).catch(() => undefined);
  assert.deepEqual(extraResources(baseline), {}, 'timers or sockets left after the proxy and the fakes stopped');
}

/** A client session with one handle of the fake plugin; returns their ids. */
export async function sessionWithHandle(client: JanusTestClient): Promise<{ session: number; handle: number }> {
  const session = await client.createSession();
  const handle = await client.attach(session, FAKE_PLUGIN);
  return { session, handle };
}

/** Asserts a Janus error reply with this code (and reason, when given). */
export function assertJanusError(reply: JanusMessage, code: number, reason?: string | RegExp): void {
  assert.equal(reply.janus, 'error', JSON.stringify(reply));
  const error = reply.error as { code: number; reason: string };
  assert.equal(error.code, code, JSON.stringify(reply));
  if (typeof reason === 'string') assert.equal(error.reason, reason);
  else if (reason) assert.match(error.reason, reason);
}
