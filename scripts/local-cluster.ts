// `npm run cluster`: a local Janus Cloud cluster to try things out — the proxy (default in-memory
// store) on ws://127.0.0.1:8288 and http://127.0.0.1:8088/janus, and one janus-sentinel per Janus
// (two by default), each starting and supervising its Janus from a generated config and registering
// it with the proxy. `-- --proxies 2`: a local redis-server and two proxies sharing it (the second
// on ws 8289, http 8089, admin 8101), to try session take-over by hand (kill one, claim on the
// other). Ctrl-C drains and stops everything.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import type { RunningProxy } from '../src/proxy.js';
import { writeJanusConfig } from '../src/janus/config-writer.js';
import { parseProxyConfig } from '../src/config/load.js';
import { parseSentinelConfig } from '../src/config/sentinel-load.js';
import { startProxy } from '../src/proxy.js';
import { startSentinel, type Sentinel } from '../src/sentinel/sentinel.js';
import { createLogger } from '../src/logging.js';

const { values } = parseArgs({ options: {
  janus: { type: 'string', default: '2' }, proxies: { type: 'string', default: '1' },
  'ws-port': { type: 'string', default: '8288' }, 'log-level': { type: 'string', default: 'info' },
} });
const JANUS_COUNT = Number(values.janus);
const PROXY_COUNT = Math.max(1, Math.min(4, Number(values.proxies) || 1));
const REDIS_PORT = 6390;
const JANUS_ADMIN_SECRET = 'janusoverlord';
const PLUGINS = ['echotest', 'videoroom', 'videocall', 'audiobridge', 'streaming', 'textroom', 'recordplay', 'sip', 'nosip', 'voicemail'];
const root = resolve('.tmp/cluster');
/** The proxy's Janus Admin API (and event ingest): clear of every Janus's own ports (7088 + 10 i). */
const JANUS_ADMIN_PORT = 7000;
const logger = createLogger({ level: values['log-level'], name: 'local-cluster' });

function janusPorts(index: number): { ws: number; adminWs: number; http: number; adminHttp: number } {
  return { ws: 8188 + 10 * index, adminWs: 7188 + 10 * index, http: 18088 + 10 * index, adminHttp: 7088 + 10 * index };
}

/** Waits (up to 5 s) until the local redis-server accepts connections. */
async function redisListening(): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const up = await new Promise<boolean>((done) => {
      const socket = connect(REDIS_PORT, '127.0.0.1', () => { socket.end(); done(true); });
      socket.on('error', () => { done(false); });
    });
    if (up) return;
    await new Promise((r) => { setTimeout(r, 100); });
  }
  throw new Error(`redis-server did not start on port ${String(REDIS_PORT)}`);
}

async function main(): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  const adminToken = randomBytes(12).toString('hex');
  const sentinelToken = randomBytes(12).toString('hex');
  let redis: ChildProcess | undefined;
  if (PROXY_COUNT > 1) {
    // Several proxies share their sessions, rooms and users through one Redis.
    mkdirSync(root, { recursive: true });
    redis = spawn('redis-server', ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', root], { stdio: 'ignore' });
    await redisListening();
  }
  const proxies: RunningProxy[] = [];
  for (let p = 0; p < PROXY_COUNT; p++) {
    proxies.push(await startProxy(parseProxyConfig({
      general: { server_name: `proxy${String(p + 1)}`, admin_secret: JANUS_ADMIN_SECRET },
      ws_transport: { host: '127.0.0.1', port: Number(values['ws-port']) + p },
      http_transport: { host: '127.0.0.1', port: 8088 + p },
      admin_api: { token: adminToken, sentinel_tokens: [sentinelToken], port: 8100 + p },
      ...(redis ? { store: { type: 'redis', redis_url: `redis://127.0.0.1:${String(REDIS_PORT)}` } } : {}),
      // The cluster's Janus Admin API (admin.html: server http://127.0.0.1:7000/admin) and event stream
      // on the first proxy; each Janus's admin URL comes in its sentinel's reports, its admin secret from here.
      janus_admin: { enabled: p === 0, port: JANUS_ADMIN_PORT },
      event_stream: { enabled: p === 0 },
      backends: { credentials: Object.fromEntries(Array.from({ length: JANUS_COUNT }, (_, i) => [`janus${String(i + 1)}`, { admin_secret: JANUS_ADMIN_SECRET }])) },
      log: { level: values['log-level'] },
    }), logger.child({ component: `proxy${String(p + 1)}` })));
  }
  const [proxy] = proxies;
  if (!proxy) throw new Error('no proxy started');

  const sentinels: Sentinel[] = [];
  const shutdown = (): void => {
    logger.info('stopping the cluster: draining each Janus, then the proxy');
    void Promise.allSettled(sentinels.map((s) => s.stop({ drain: true })))
      .then(() => Promise.allSettled(proxies.map((p) => p.stop())))
      .finally(() => {
        redis?.kill('SIGTERM');
        process.exit(0);
      });
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
      report: { proxies: proxies.map((p) => ({ url: p.adminUrl ?? '', token: sentinelToken })) },
      drain: { timeout_ms: 5_000 },
      admin_api: { port: 8200 + i, token: adminToken },
      log: { level: values['log-level'] },
    }), logger.child({ component: `sentinel-${name}` }));
    sentinels.push(sentinel);
    console.log(`${name}: supervised by its sentinel (REST http://127.0.0.1:${String(8200 + i)}), Janus API ${wsUrl}, log ${join(dir, 'janus.log')}`);
  }
  await Promise.all(proxies.map((p) => p.cluster.waitConnected(15_000)));
  for (const p of proxies) console.log(`\njanus-proxy: ${p.wsUrl ?? ''} and ${p.httpUrl ?? ''} in front of ${String(JANUS_COUNT)} Janus servers.`);
  if (redis) console.log(`The proxies share redis://127.0.0.1:${String(REDIS_PORT)}: a session of one can be claimed on the other.`);
  console.log(`dashboard: ${proxy.adminUrl ?? ''}/ (admin token: ${adminToken}); demo pages: ${proxy.adminUrl ?? ''}/demos/`);
  console.log(`Janus Admin API of the cluster: ${proxy.janusAdminUrl ?? ''} (admin_secret ${JANUS_ADMIN_SECRET}); live events: ws subprotocol janus-cloud-events`);
  console.log('Ctrl-C stops the cluster.');
}

main().catch((err: unknown) => {
  console.error(`local cluster failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
