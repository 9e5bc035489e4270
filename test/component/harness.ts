/**
 * The component-test harness: the real proxy in-process in front of fake Janus servers, and one
 * shared check at the end of every test that nothing leaked — no session or handle left on a fake
 * Janus or in the proxy, no placement still counted, no backend request still pending, no held
 * reply forgotten by the test, and no timer or socket keeping the event loop alive once all stopped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeJanus, FAKE_PLUGIN, type FakeJanusOptions } from '../support/fake-janus.js';
import { startTestProxy, type ProxyOverrides, type TestProxy } from '../support/proxy-fixture.js';
import { JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { pollUntil } from '../support/processes.js';

export { FAKE_PLUGIN };

export interface Harness {
  proxy: TestProxy;
  fakes: FakeJanus[];
  /** A client on the proxy's WebSocket transport; closed by the harness before the leak check. */
  client: () => Promise<JanusTestClient>;
}

export interface ComponentOptions {
  /** One fake Janus per entry (default: one with default options), named fake-1, fake-2… in config order. */
  fakes?: FakeJanusOptions[];
  /** Proxy config; `backends` is merged over the harness's (no spare sessions, one connection per backend). */
  proxy?: ProxyOverrides;
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
    let proxy: TestProxy | undefined;
    try {
      for (const o of options.fakes ?? [{}]) fakes.push(await FakeJanus.start(o));
      const running = await startTestProxy([], {
        ...options.proxy,
        backends: { spare_sessions: 0, connections_per_server: 1, ...options.proxy?.backends },
        janus_server: fakes.map((f, i) => ({ name: `fake-${i + 1}`, url: f.url })),
      });
      proxy = running;
      const client = async (): Promise<JanusTestClient> => {
        const c = await JanusTestClient.connect(running.url);
        clients.push(c);
        return c;
      };
      await body({ proxy: running, fakes, client });
      for (const c of clients) await c.close();
      await assertNothingLeaked(running, fakes, spareSessions(options));
    } finally {
      for (const c of clients) await c.close();
      await proxy?.stop();
      for (const f of fakes) await f.stop();
    }
    await assertNoResourcesLeft(baseline);
  });
}

/** What the proxy and each fake Janus still hold, in one object so a failure shows all of it. */
function holdings(proxy: TestProxy, fakes: readonly FakeJanus[]): Record<string, unknown> {
  const backends = [...proxy.cluster.backends.values()];
  return {
    proxySessions: proxy.sessions.size,
    proxyHandles: proxy.sessions.handleCount(),
    placedHandles: backends.map((b) => b.liveHandles),
    pendingBackendRequests: backends.map((b) => b.pool.pendingRequests),
    routedBackendSessions: backends.map((b) => b.pool.routedSessions),
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

/** Only the spare sessions may be left, empty, on each backend; the proxy holds nothing else. */
async function assertNothingLeaked(proxy: TestProxy, fakes: readonly FakeJanus[], spares: number): Promise<void> {
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
  await pollUntil('nothing held', () => (isDeepEqual(holdings(proxy, fakes), none) ? true : undefined), SETTLE_MS, 10).catch(() => undefined);
  assert.deepEqual(holdings(proxy, fakes), none, 'something leaked');
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
