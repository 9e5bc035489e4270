// A Cluster with no backend registered (every placement is a rejection), for unit tests of what
// sits on top of it.
import { pino } from 'pino';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryServerStore } from '../../src/store/memory/server-store.js';

export function clusterWithoutBackends(explainHistory = 1): Cluster {
  return new Cluster(new MemoryServerStore(), {
    algorithm: 'least_loaded',
    connectionsPerBackend: 1,
    spareSessions: 0,
    connection: { apiSecret: undefined, requestTimeoutMs: 1000, connectTimeoutMs: 1000, pingIntervalMs: 0, reconnectInitialDelayMs: 100, reconnectMaxDelayMs: 1000 },
    breaker: { failureThreshold: 3, openMs: 1000 },
    removeExpiredAfterMs: 60_000,
    explainHistory,
    logger: pino({ level: 'silent' }),
  });
}
