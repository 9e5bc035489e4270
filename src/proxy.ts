/** Assembles a running proxy from a validated config: stores, cluster, sessions, dispatcher, transports, admin API. */
import nodeCluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { ProxyConfig } from './config/schema.js';
import { Cluster, type BackendCredentials } from './cluster/cluster.js';
import { loadCustomSelector } from './cluster/custom-selector.js';
import { LocalityResolver } from './cluster/locality.js';
import { Sessions } from './core/sessions.js';
import { Dispatcher } from './core/dispatcher.js';
import { TakeOvers } from './core/take-over.js';
import { OwnerSweep } from './core/owner-sweep.js';
import { PluginRegistry } from './plugins/registry.js';
import { echotestPlugin } from './plugins/echotest.js';
import { callPlugins } from './plugins/call-plugins.js';
import { startVideoRoom, VIDEOROOM_PLUGIN } from './plugins/videoroom/index.js';
import { passthroughFactory } from './plugins/room-relay/index.js';
import { WsTransport } from './transport/ws-server.js';
import { HttpTransport } from './transport/http/http-transport.js';
import { HttpForwarding } from './transport/http/forwarding.js';
import { ProxyDrain } from './drain.js';
import { AdminApi } from './admin/server.js';
import { storedRooms } from './admin/live-feed.js';
import { openStores, type Stores } from './store/factory.js';
import { TokenAuth } from './core/token-auth.js';
import { ProxyMetrics } from './metrics/proxy-metrics.js';
import { WorkersMetrics } from './metrics/workers-metrics.js';
import { createJanusAdminRequests, startJanusAdmin, type JanusAdminDeps } from './janus-admin/index.js';
import { isJsonObject } from './protocol/messages.js';
import { ProxyEvents } from './events/proxy-events.js';

export interface RunningProxy {
  /** This proxy's id among the proxies sharing a store (a new one at every start). */
  readonly proxyId: string;
  readonly cluster: Cluster;
  readonly sessions: Sessions;
  /** ws://host:port the client transport listens on (undefined when disabled). */
  readonly wsUrl: string | undefined;
  /** http://host:port/<base_path> of the Janus REST API (undefined when disabled). */
  readonly httpUrl: string | undefined;
  /** http://host:port of the admin API (undefined when disabled) and its token. */
  readonly adminUrl: string | undefined;
  readonly adminToken: string | undefined;
  /** http://host:port/admin of the Janus Admin API (undefined when disabled); ws:// on the same port. */
  readonly janusAdminUrl: string | undefined;
  readonly metrics: ProxyMetrics;
  /** Graceful stop, first half: not ready, no new sessions, clients closed after shutdown.grace_s. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

const WS_TRANSPORT_INFO = {
  'janus.transport.websockets': {
    name: 'JANUS WebSockets transport plugin',
    author: 'Janus Cloud',
    description: 'Janus API over WebSockets, served by the Janus Cloud proxy.',
    version_string: '0.0.1',
    version: 1,
  },
};

const HTTP_TRANSPORT_INFO = {
  'janus.transport.http': {
    name: 'JANUS REST (HTTP/HTTPS) transport plugin',
    author: 'Janus Cloud',
    description: 'Janus API over HTTP REST and long polls, served by the Janus Cloud proxy.',
    version_string: '0.0.2',
    version: 2,
  },
};

function listenUrl(scheme: string, address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
}

async function createCluster(config: ProxyConfig, store: Stores['servers'], metrics: ProxyMetrics, logger: Logger): Promise<Cluster> {
  const b = config.backends;
  const cluster = new Cluster(store, {
    algorithm: b.select,
    customSelector: b.selector_module ? await loadCustomSelector(b.selector_module) : undefined,
    connectionsPerBackend: b.connections_per_server,
    spareSessions: b.spare_sessions,
    credentials: backendCredentials(config),
    connection: {
      apiSecret: config.general.api_secret,
      requestTimeoutMs: b.request_timeout_ms,
      connectTimeoutMs: b.connect_timeout_ms,
      pingIntervalMs: b.ping_interval_ms,
      reconnectInitialDelayMs: b.reconnect_initial_delay_ms,
      reconnectMaxDelayMs: b.reconnect_max_delay_ms,
    },
    breaker: { failureThreshold: b.breaker_failures, openMs: b.breaker_open_ms },
    removeExpiredAfterMs: b.remove_expired_after_s * 1000,
    expectTakeOver: config.store.type === 'redis',
    explainHistory: config.admin_api.explain_history,
    onDecision: (plugin, result) => { metrics.onPlacement(plugin, result); },
    logger,
  });
  // Credentials stay in the proxy's config: they are no part of a server's record.
  await cluster.start(config.janus_server.map(({ api_secret: _s, token: _t, admin_url: _u, admin_secret: _a, ...server }) => server));
  return cluster;
}

/** Each backend's own api_secret/token: `backends.credentials` over the `janus_server` entry's. */
function backendCredentials(config: ProxyConfig): Map<string, BackendCredentials> {
  const all = new Map<string, BackendCredentials>();
  for (const s of config.janus_server) {
    all.set(s.name, { apiSecret: s.api_secret, token: s.token, adminUrl: s.admin_url, adminSecret: s.admin_secret });
  }
  for (const [name, own] of Object.entries(config.backends.credentials)) {
    const p = all.get(name);
    all.set(name, {
      apiSecret: own.api_secret ?? p?.apiSecret, token: own.token ?? p?.token, adminUrl: own.admin_url ?? p?.adminUrl, adminSecret: own.admin_secret ?? p?.adminSecret,
    });
  }
  return all;
}

/** Janus's token_auth at the proxy: undefined when off; stored tokens live in the configured store. */
function startTokenAuth(config: ProxyConfig, stores: Stores, logger: Logger): TokenAuth | undefined {
  if (!config.general.token_auth) return undefined;
  const auth = new TokenAuth({ secret: config.general.token_auth_secret, store: stores.tokens });
  logger.info({ mode: auth.mode }, 'token based authentication enabled');
  return auth;
}

/** Stops what was started, newest first; also unwinds a start that failed halfway. */
class ShutdownStack {
  private readonly steps: (() => void | Promise<void>)[] = [];

  push(step: () => void | Promise<void>): void {
    this.steps.push(step);
  }

  /** Runs every step even when one fails; the first failure is thrown at the end. */
  async unwind(): Promise<void> {
    let failure: Error | undefined;
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step();
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }
    }
    if (failure) throw failure;
  }
}

/** A started listener. */
interface Listening {
  readonly url: string;
  readonly close: () => Promise<void>;
}

async function startWsTransport(config: ProxyConfig, dispatcher: Dispatcher, sessions: Sessions, logger: Logger): Promise<Listening & { closeClients(): void }> {
  const t = config.ws_transport;
  const ws = new WsTransport(
    {
      host: t.host,
      port: t.port,
      maxMessageBytes: t.max_message_bytes,
      maxBufferedBytes: t.max_buffered_bytes,
      json: t.json,
      pingIntervalMs: t.ping_interval_ms,
      tls: t.tls ? { certPath: t.tls.cert_pem, keyPath: t.tls.cert_key } : undefined,
      origin: { trustForwardedFor: t.trust_forwarded_for, localityHeaders: config.backends.locality.headers },
      logger,
    },
    { dispatch: (payload, sink) => { dispatcher.dispatch(payload, sink); }, onSinkClosed: (sink) => { sessions.onSinkClosed(sink); } },
  );
  const url = listenUrl(t.tls ? 'wss' : 'ws', await ws.listen());
  logger.info({ url }, 'Janus API WebSocket transport listening');
  return { url, close: () => ws.close(), closeClients: () => { ws.closeClients(); } };
}

async function startHttpTransport(config: ProxyConfig, dispatcher: Dispatcher, forwarding: HttpForwarding | undefined, tokenAuth: TokenAuth | undefined, logger: Logger): Promise<Listening> {
  const t = config.http_transport;
  const http = new HttpTransport(
    {
      host: t.host,
      port: t.port,
      basePath: t.base_path,
      allowOrigin: t.allow_origin,
      json: t.json,
      longPollTimeoutMs: t.long_poll_timeout_ms,
      maxQueuedEvents: t.max_queued_events,
      maxBodyBytes: t.max_body_bytes,
      apiSecret: config.general.api_secret,
      tokenValid: tokenAuth ? (token) => tokenAuth.checkToken(token) : undefined,
      origin: { trustForwardedFor: t.trust_forwarded_for, localityHeaders: config.backends.locality.headers },
      logger,
    },
    { dispatch: (payload, sink) => { dispatcher.dispatch(payload, sink); }, remote: forwarding },
  );
  if (forwarding) {
    forwarding.attachQueues(http.pollQueues);
    dispatcher.setForwarder(forwarding);
  }
  const url = `${listenUrl('http', await http.listen())}${t.base_path === '/' ? '' : t.base_path.replace(/\/$/, '')}`;
  logger.info({ url }, 'Janus API HTTP transport listening');
  return { url, close: () => http.close() };
}

async function startAdminApi(config: ProxyConfig, deps: ConstructorParameters<typeof AdminApi>[0], logger: Logger): Promise<Listening & { token: string }> {
  const a = config.admin_api;
  const token = a.token ?? randomBytes(18).toString('base64url');
  if (!a.token) logger.warn({ token }, 'admin_api.token is not set: generated one for this run');
  const admin = new AdminApi(deps, {
    host: a.host, port: a.port, token, sentinelTokens: a.sentinel_tokens, corsOrigins: a.cors_origins, metricsPublic: a.metrics_public, logger,
    recordings: { sentinelToken: config.recordings.sentinel_token, requestTimeoutMs: config.recordings.request_timeout_ms },
  });
  const url = listenUrl('http', await admin.listen());
  logger.info({ url }, 'admin API listening');
  return { url, token, close: () => admin.close() };
}

export interface ProxyProcessInfo {
  /** With `janus-proxy --workers N`: this worker's number. */
  worker?: number | undefined;
}

export async function startProxy(config: ProxyConfig, logger: Logger, process: ProxyProcessInfo = {}): Promise<RunningProxy> {
  const shutdown = new ShutdownStack();
  try {
    return await assemble(config, logger, shutdown, process);
  } catch (err) {
    await shutdown.unwind().catch((cleanupErr: unknown) => { logger.error({ err: cleanupErr }, 'cleanup after a failed start failed'); });
    throw err;
  }
}

/** The proxy's state and its stores; each registers how to stop it as soon as it runs. */
async function startCore(config: ProxyConfig, logger: Logger, shutdown: ShutdownStack, processInfo: ProxyProcessInfo) {
  const metrics = new ProxyMetrics();
  shutdown.push(() => { metrics.stop(); });
  const proxyId = `${config.general.server_name}-${randomBytes(4).toString('hex')}`;
  metrics.identify(proxyId, processInfo.worker);
  // Under --workers, /metrics answers for every worker, whichever one the scrape reached.
  const workersMetrics = processInfo.worker !== undefined && nodeCluster.isWorker ? new WorkersMetrics(metrics.registry) : undefined;
  if (workersMetrics) shutdown.push(() => { workersMetrics.close(); });
  // Every store in one place (architecture.md, decision 17); closed last, after everything using them.
  const storedTokens = config.general.token_auth && config.general.token_auth_secret === undefined;
  const stores = await openStores(config.store, proxyId, logger, { storedTokens });
  shutdown.push(() => stores.close());
  const cluster = await createCluster(config, stores.servers, metrics, logger);
  shutdown.push(() => { cluster.stop(); });
  const videoroom = startVideoRoom(config.videoroom, stores, proxyId, cluster, logger, (op, ran) => { metrics.onRoomLayout(op, ran); });
  shutdown.push(() => videoroom.close());
  const reclaimSessionTimeoutS = effectiveReclaimTimeoutS(config);
  const proxyEvents = new ProxyEvents(config.general.server_name, proxyId);
  const sessions = new Sessions({
    events: proxyEvents,
    sessionTimeoutS: config.general.session_timeout,
    reclaimSessionTimeoutS,
    locality: new LocalityResolver(config.backends.locality.rules),
    // Records only where another proxy could take a session over: one proxy alone needs none.
    records: config.store.type === 'redis' ? stores.sessions : undefined,
    logger,
  });
  // With a shared store, a stopping proxy leaves its sessions to be claimed on the others.
  shutdown.push(() => { if (config.store.type === 'redis') sessions.handOver(); else sessions.stop(); });
  metrics.watch(sessions, cluster);
  const tokenAuth = startTokenAuth(config, stores, logger);
  return { proxyId, metrics, scrape: workersMetrics ?? metrics, cluster, stores, videoroom, sessions, reclaimSessionTimeoutS, tokenAuth, proxyEvents };
}

/**
 * The proxy's reclaim window: as configured, else long enough for a take-over when proxies share a
 * store (a session whose proxy died stays claimable that long), else Janus's own default (0).
 */
export const SHARED_STORE_RECLAIM_TIMEOUT_S = 30;

function effectiveReclaimTimeoutS(config: ProxyConfig): number {
  return config.general.reclaim_session_timeout ?? (config.store.type === 'redis' ? SHARED_STORE_RECLAIM_TIMEOUT_S : 0);
}

type Core = Awaited<ReturnType<typeof startCore>>;

function createDispatcher(config: ProxyConfig, core: Core, transports: Record<string, Record<string, unknown>>, logger: Logger): { dispatcher: Dispatcher; takeOvers: TakeOvers } {
  const { cluster, stores, videoroom, sessions, metrics, tokenAuth } = core;
  const passthrough = passthroughFactory({
    routing: config.plugins.routing,
    homeBackends: config.plugins.home_backend,
    backends: () => [...cluster.backends.keys()],
    routes: stores.routes,
  });
  const modules = [echotestPlugin, videoroom.plugin, ...callPlugins({ users: stores.users, bus: stores.bus, logger })];
  const plugins = new PluginRegistry(modules, passthrough);
  const takeOvers = new TakeOvers({ sessions, records: stores.sessions, bus: stores.bus, plugins, cluster, logger, events: core.proxyEvents });
  const dispatcher = new Dispatcher(
    config.store.type === 'redis'
      ? { sessions, plugins, cluster, records: stores.sessions, takeOvers, tokenAuth, events: core.proxyEvents }
      : { sessions, plugins, cluster, tokenAuth, events: core.proxyEvents },
    {
      apiSecret: config.general.api_secret,
      serverName: config.general.server_name,
      sessionTimeoutS: config.general.session_timeout,
      reclaimSessionTimeoutS: core.reclaimSessionTimeoutS,
      transports,
      observer: metrics,
      logger,
    },
  );
  return { dispatcher, takeOvers };
}

async function assemble(config: ProxyConfig, logger: Logger, shutdown: ShutdownStack, processInfo: ProxyProcessInfo): Promise<RunningProxy> {
  const core = await startCore(config, logger, shutdown, processInfo);
  const { sessions, metrics, cluster } = core;
  // Filled in as transports start: `info` lists the ones that are listening.
  const transports: Record<string, Record<string, unknown>> = {};
  const { dispatcher, takeOvers } = createDispatcher(config, core, transports, logger);
  shutdown.push(() => { takeOvers.close(); });
  const sweep = new OwnerSweep(core.stores.sessions, cluster, { logger, finish: (record) => takeOvers.finishAbandoned(record) });
  if (config.store.type === 'redis') sweep.start();
  shutdown.push(() => sweep.stop());
  let ws: (Listening & { closeClients(): void }) | undefined;
  const drain = new ProxyDrain({
    refuseNewSessions: () => { dispatcher.configure({ acceptNewSessions: false }); },
    closeClients: () => { ws?.closeClients(); },
  }, config.shutdown.grace_s * 1000, logger);
  shutdown.push(() => { drain.cancel(); });
  const startedAt = Date.now();
  core.stores.proxies.describeWith(() => ({
    server_name: config.general.server_name,
    worker: processInfo.worker,
    pid: process.pid,
    host: hostname(),
    started_at: startedAt,
    sessions: sessions.size,
    handles: sessions.handleCount(),
    accepting_new_sessions: dispatcher.info()['accepting-new-sessions'] === true,
  }));
  if (config.ws_transport.enabled) {
    ws = await startWsTransport(config, dispatcher, sessions, logger);
    shutdown.push(ws.close);
    Object.assign(transports, WS_TRANSPORT_INFO);
  }
  let http: Listening | undefined;
  if (config.http_transport.enabled) {
    // With proxies sharing a store, an HTTP request may reach any proxy (no sticky load balancing).
    const forwarding = config.store.type === 'redis'
      ? new HttpForwarding({ bus: core.stores.bus, records: core.stores.sessions, takeOvers, dispatch: (p, s) => { dispatcher.dispatch(p, s); }, identity: (c) => dispatcher.identity(c), logger })
      : undefined;
    if (forwarding) shutdown.push(() => { forwarding.close(); });
    http = await startHttpTransport(config, dispatcher, forwarding, core.tokenAuth, logger);
    shutdown.push(http.close);
    Object.assign(transports, HTTP_TRANSPORT_INFO);
  }
  const info = (): Record<string, unknown> => dispatcher.info();
  const operatorDeps: JanusAdminDeps = {
    cluster, sessions, tokenAuth: core.tokenAuth,
    records: config.store.type === 'redis' ? core.stores.sessions : undefined,
    bus: config.store.type === 'redis' ? core.stores.bus : undefined,
    proxyEvents: core.proxyEvents,
    info: (transaction) => ({ janus: 'server_info', transaction, ...info() }),
    plugins: () => { const p = info().plugins; return isJsonObject(p) ? Object.keys(p) : []; },
    metrics: metrics.registry,
    configure: (settings) => {
      dispatcher.configure(settings);
      if (settings.sessionTimeoutS !== undefined) sessions.setSessionTimeout(settings.sessionTimeoutS);
    },
  };
  // One request handler for the Janus Admin API listener and the REST admin API's operator routes.
  const janusAdminRequests = createJanusAdminRequests(config, operatorDeps);
  shutdown.push(() => { janusAdminRequests.close(); });
  let admin: (Listening & { token: string }) | undefined;
  if (config.admin_api.enabled) {
    const live = { sessions, requestTotals: () => metrics.requestTotals(), rooms: storedRooms(VIDEOROOM_PLUGIN, core.stores.rooms) };
    admin = await startAdminApi(config, { cluster, info: () => dispatcher.info(), metrics: core.scrape, live, operator: { requests: janusAdminRequests, sessions, records: operatorDeps.records }, drain, proxies: core.stores.proxies,
      rooms: { plugin: VIDEOROOM_PLUGIN, store: core.stores.rooms, requests: janusAdminRequests, plugins: operatorDeps.plugins },
    }, logger);
    shutdown.push(admin.close);
  }
  let janusAdmin: Listening | undefined;
  if (config.janus_admin.enabled) {
    janusAdmin = await startJanusAdmin(config, janusAdminRequests, operatorDeps, logger);
    shutdown.push(janusAdmin.close);
  }
  return {
    proxyId: core.proxyId,
    janusAdminUrl: janusAdmin?.url,
    cluster,
    sessions,
    wsUrl: ws?.url,
    httpUrl: http?.url,
    adminUrl: admin?.url,
    adminToken: admin?.token,
    metrics,
    drain: () => drain.start(),
    stop: () => shutdown.unwind(),
  };
}
