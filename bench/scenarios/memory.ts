/**
 * Proxy RSS per idle session: open the connections, measure, create N sessions (no handles, so the
 * proxy holds no backend sessions for them), let it settle, measure again. Both readings are taken
 * after a forced full GC; the reading before that GC is kept too.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchClient } from '../client.js';
import { config } from '../config.js';
import { rssKiB } from '../procfs.js';
import type { ProxyProcess } from '../proxy-process.js';
import { closeAll, connectAll, idOf, mapLimit } from './exchange.js';

export type MemoryResult = {
  sessions: number;
  connections: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  /** After the settle period, before the forced GC. */
  rssAfterNoGcKiB: number;
  kibPerSession: number;
  kibPerSessionNoGc: number;
  createMs: number;
  /** Sessions that answered a keepalive after the measurement (must equal `sessions`). */
  alive: number;
};

export async function runMemory(proxy: ProxyProcess): Promise<MemoryResult> {
  const { sessions, sessionsPerConnection, settleMs, maxIdleSpanMs } = config.memory;
  const connections = Math.ceil(sessions / sessionsPerConnection);
  const clients = await connectAll(proxy.url, connections);
  const created: { client: BenchClient; sessionId: number }[] = [];
  try {
    await sleep(1000);
    await proxy.gc();
    const rssBeforeKiB = rssKiB(proxy.pid);

    const t0 = performance.now();
    await Promise.all(
      clients.map(async (client, c) => {
        const count = Math.min(sessionsPerConnection, sessions - c * sessionsPerConnection);
        await mapLimit(Array.from({ length: count }), 100, async () => {
          const reply = await client.call({ janus: 'create' }, 10_000);
          created.push({ client, sessionId: idOf(reply, 'create') });
        });
      }),
    );
    const createMs = performance.now() - t0;

    await sleep(settleMs);
    const rssAfterNoGcKiB = rssKiB(proxy.pid);
    await proxy.gc(1000);
    const rssAfterKiB = rssKiB(proxy.pid);
    const idleSpanMs = performance.now() - t0;
    if (idleSpanMs > maxIdleSpanMs) throw new Error(`memory: sessions were idle ${Math.round(idleSpanMs)} ms, too close to the 60 s session timeout`);

    // Every session must still be there (none timed out or was lost).
    const acks = await mapLimit(created, 500, ({ client, sessionId }) =>
      client.call({ janus: 'keepalive', session_id: sessionId }, 10_000).then(() => 1, () => 0),
    );
    return {
      sessions,
      connections,
      rssBeforeKiB,
      rssAfterKiB,
      rssAfterNoGcKiB,
      kibPerSession: (rssAfterKiB - rssBeforeKiB) / sessions,
      kibPerSessionNoGc: (rssAfterNoGcKiB - rssBeforeKiB) / sessions,
      createMs,
      alive: acks.reduce((a, b) => a + b, 0),
    };
  } finally {
    await mapLimit(created, 500, ({ client, sessionId }) =>
      client.open ? client.call({ janus: 'destroy', session_id: sessionId }, 5000).catch(() => undefined) : Promise.resolve(undefined),
    );
    await closeAll(clients);
  }
}
