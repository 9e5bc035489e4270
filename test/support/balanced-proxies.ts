// Three proxy processes on one Redis behind a real HAProxy running the shipped conf/haproxy.cfg, as
// an operator deploys them: clients use `lb.wsUrl` / `lb.httpUrl`; each proxy's admin API tells
// which sessions it holds.
import type { JanusInstance } from './janus-fixture.js';
import type { RedisInstance } from './redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from './proxy-process.js';
import { sharedStore } from './shared-store-proxies.js';
import { startHaproxy, HAPROXY_CONFIG_SERVERS, type HaproxyInstance, type ProxyPorts } from './haproxy-fixture.js';
import { freePort } from './processes.js';
import { TEST_ADMIN_TOKEN } from './proxy-fixture.js';
import { AdminClient } from './admin-client.js';

/** One proxy behind the load balancer: its `server_name`, HAProxy's name for it (proxy1..3), its ports. */
export type BalancedMember = { name: string; server: string; process: ProxyProcess; ports: ProxyPorts; admin: AdminClient };

export type BalancedProxies = {
  lb: HaproxyInstance;
  members: readonly BalancedMember[];
  /** The member whose admin API lists `sessionId` among its sessions (throws when none does). */
  holderOf(sessionId: number): Promise<BalancedMember>;
  stop(): Promise<void>;
};

/** `config` is merged over each proxy's own (store, names, ports); `graceS` is its shutdown.grace_s. */
export async function startBalancedProxies(
  janus: readonly JanusInstance[], redis: RedisInstance, config: Record<string, unknown> = {}, graceS = 0,
): Promise<BalancedProxies> {
  const members: BalancedMember[] = [];
  const stopMembers = (): Promise<unknown> => Promise.all(members.map((m) => m.process.stop()));
  try {
    for (let i = 1; i <= HAPROXY_CONFIG_SERVERS; i++) {
      const [httpPort, adminPort] = [await freePort(), await freePort()];
      const name = `proxy-${String(i)}`;
      const process = await startProxyProcess(janus, {
        store: sharedStore(redis),
        general: { server_name: name },
        http_transport: { enabled: true, host: '127.0.0.1', port: httpPort },
        admin_api: { enabled: true, host: '127.0.0.1', port: adminPort, token: TEST_ADMIN_TOKEN },
        shutdown: { grace_s: graceS },
        ...config,
      });
      const ports = { ws: Number(new URL(process.url).port), http: httpPort, admin: adminPort };
      members.push({ name, server: `proxy${String(i)}`, process, ports, admin: new AdminClient(`http://127.0.0.1:${String(adminPort)}`, TEST_ADMIN_TOKEN) });
    }
  } catch (err) {
    await stopMembers();
    throw err;
  }
  const lb = await startHaproxy(members.map((m) => m.ports)).catch(async (err: unknown) => {
    await stopMembers();
    throw err;
  });
  return {
    lb,
    members,
    async holderOf(sessionId) {
      for (const m of members) {
        const reply = await m.admin.request('GET', '/sessions').catch(() => undefined);
        // Every proxy lists the cluster's sessions; those held elsewhere have the state `elsewhere`.
        const sessions = (reply?.body as { sessions?: { session_id: number; state: string }[] } | undefined)?.sessions ?? [];
        if (sessions.some((s) => s.session_id === sessionId && s.state !== 'elsewhere')) return m;
      }
      throw new Error(`no proxy holds session ${String(sessionId)}`);
    },
    async stop() {
      await lb.stop();
      await stopMembers();
    },
  };
}
