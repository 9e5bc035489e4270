// `npm run cluster`: a local Janus Cloud cluster to try things out — the proxy (default in-memory
// store) on ws://127.0.0.1:8288 and http://127.0.0.1:8088/janus, and one janus-sentinel per Janus
// (two by default), each starting and supervising its Janus from a generated config and registering
// it with the proxy. Ctrl-C drains and stops everything.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeJanusConfig } from '../src/janus/config-writer.js';
import { parseProxyConfig } from '../src/config/load.js';
import { parseSentinelConfig } from '../src/config/sentinel-load.js';
import { startProxy } from '../src/proxy.js';
import { startSentinel, type Sentinel } from '../src/sentinel/sentinel.js';
import { createLogger } from '../src/logging.js';

const { values } = parseArgs({ options: { janus: { type: 'string', default: '2' }, 'ws-port': { type: 'string', default: '8288' }, 'log-level': { type: 'string', default: 'info' } } });
const JANUS_COUNT = Number(values.janus);
const JANUS_ADMIN_SECRET = 'janusoverlord';
const PLUGINS = ['echotest', 'videoroom', 'videocall', 'audiobridge', 'streaming', 'textroom', 'recordplay', 'sip', 'nosip', 'voicemail'];
const root = resolve('.tmp/cluster');
/** The proxy's Janus Admin API (and event ingest): clear of every Janus's own ports (7088 + 10 i). */
const JANUS_ADMIN_PORT = 7000;
const logger = createLogger({ level: values['log-level'], name: 'local-cluster' });

function janusPorts(index: number): { ws: number; adminWs: number; http: number; adminHttp: number } {
  return { ws: 8188 + 10 * index, adminWs: 7188 + 10 * index, http: 18088 + 10 * index, adminHttp: 7088 + 10 * index };
}

async function main(): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  const adminToken = randomBytes(12).toString('hex');
  const sentinelToken = randomBytes(12).toString('hex');
  const proxy = await startProxy(parseProxyConfig({
    ws_transport: { host: '127.0.0.1', port: Number(values['ws-port']) },
    http_transport: { host: '127.0.0.1' },
    admin_api: { token: adminToken, sentinel_tokens: [sentinelToken] },
    // The cluster's Janus Admin API (admin.html: server http://127.0.0.1:7000/admin) and event stream;
    // each Janus's admin URL comes in its sentinel's reports, its admin secret from here.
    general: { admin_secret: JANUS_ADMIN_SECRET },
    janus_admin: { enabled: true, port: JANUS_ADMIN_PORT },
    event_stream: { enabled: true },
    backends: { credentials: Object.fromEntries(Array.from({ length: JANUS_COUNT }, (_, i) => [`janus${String(i + 1)}`, { admin_secret: JANUS_ADMIN_SECRET }])) },
    log: { level: values['log-level'] },
  }), logger.child({ component: 'proxy' }));

  const sentinels: Sentinel[] = [];
  const shutdown = (): void => {
    logger.info('stopping the cluster: draining each Janus, then the proxy');
    void Promise.allSettled(sentinels.map((s) => s.stop({ drain: true })))
      .then(() => proxy.stop())
      .finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  for (let i = 0; i < JANUS_COUNT; i++) {
    const name = `janus${String(i + 1)}`;
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const ports = janusPorts(i);
    const configFile = writeJanusConfig({
      dir, host: '127.0.0.1', ports, http: false, adminSecret: JANUS_ADMIN_SECRET, plugins: PLUGINS,
      debugLevel: 4, rtpPortRange: `${String(20000 + 1000 * i)}-${String(20999 + 1000 * i)}`, serverName: name,
      eventHandlerUrl: `http://127.0.0.1:${String(JANUS_ADMIN_PORT)}/events/${name}`,
    });
    const wsUrl = `ws://127.0.0.1:${String(ports.ws)}`;
    const sentinel = await startSentinel(parseSentinelConfig({
      janus: { server_name: name, public_url: wsUrl, ws_url: wsUrl, admin_ws_url: `ws://127.0.0.1:${String(ports.adminWs)}`, admin_secret: JANUS_ADMIN_SECRET },
      process: { command: ['janus', '-C', configFile, '-F', dir], log_file: join(dir, 'janus.out') },
      report: { proxies: [{ url: proxy.adminUrl ?? '', token: sentinelToken }] },
      drain: { timeout_ms: 5_000 },
      admin_api: { port: 8200 + i, token: adminToken },
      log: { level: values['log-level'] },
    }), logger.child({ component: `sentinel-${name}` }));
    sentinels.push(sentinel);
    console.log(`${name}: supervised by its sentinel (REST http://127.0.0.1:${String(8200 + i)}), Janus API ${wsUrl}, log ${join(dir, 'janus.log')}`);
  }
  await proxy.cluster.waitConnected(15_000);
  console.log(`\njanus-proxy: ${proxy.wsUrl ?? ''} and ${proxy.httpUrl ?? ''} in front of ${String(JANUS_COUNT)} Janus servers.`);
  console.log(`dashboard: ${proxy.adminUrl ?? ''}/ (admin token: ${adminToken}); demo pages: ${proxy.adminUrl ?? ''}/demos/`);
  console.log(`Janus Admin API of the cluster: ${proxy.janusAdminUrl ?? ''} (admin_secret ${JANUS_ADMIN_SECRET}); live events: ws subprotocol janus-cloud-events`);
  console.log('Ctrl-C stops the cluster.');
}

main().catch((err: unknown) => {
  console.error(`local cluster failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
