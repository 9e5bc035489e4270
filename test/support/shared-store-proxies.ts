// Proxies as separate processes sharing one real Redis (store.type: redis) in front of the given
// Janus servers, as a cluster of several proxies runs; plus the test clients to close afterwards.
import { JanusTestClient } from './janus-client.js';
import type { JanusInstance } from './janus-fixture.js';
import type { RedisInstance } from './redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from './proxy-process.js';

/** A short lease, so that a killed proxy counts as dead within two seconds. */
export const TEST_PROXY_TTL_S = 2;

export function sharedStore(redis: RedisInstance, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'redis', redis_url: redis.url, proxy_ttl_s: TEST_PROXY_TTL_S, ...extra };
}

/** One proxy process per name (its `server_name`), all on `redis`; `config.general` and `config.store` add to theirs. */
export function startSharedStoreProxies(janus: readonly JanusInstance[], redis: RedisInstance, names: readonly string[], config: Record<string, unknown> = {}): Promise<ProxyProcess[]> {
  const { general = {}, store = {}, ...rest } = config as { general?: Record<string, unknown>; store?: Record<string, unknown> };
  return startAllOrNone(names.map((name) => startProxyProcess(janus, { store: sharedStore(redis, store), general: { server_name: name, ...general }, ...rest })));
}

/** All the proxies, or none: when one fails to start, those that did are stopped (a live child would keep the test process running). */
async function startAllOrNone(starts: Promise<ProxyProcess>[]): Promise<ProxyProcess[]> {
  const results = await Promise.allSettled(starts);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return started;
  await Promise.all(started.map((p) => p.stop()));
  throw failed.reason;
}

/** Clients opened by a test, closed together at its end. */
export class TestClients {
  private readonly all: JanusTestClient[] = [];

  async connect(url: string): Promise<JanusTestClient> {
    const client = await JanusTestClient.connect(url);
    this.all.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((c) => c.close()));
  }
}
