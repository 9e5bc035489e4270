/** Assembles a running proxy from a validated config: store, cluster, sessions, dispatcher, transports, admin API. */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { ProxyConfig } from './config/schema.js';
import { Cluster } from './cluster/cluster.js';
import { loadCustomSelector } from './cluster/custom-selector.js';
import { LocalityResolver } from './cluster/locality.js';
import { Sessions } from './core/sessions.js';
import { Dispatcher } from './core/dispatcher.js';
import { PluginRegistry } from './plugins/registry.js';
import { echotestPlugin } from './plugins/echotest.js';
import { callPlugins } from './plugins/call-plugins.js';
import { startVideoRoom, VIDEOROOM_PLUGIN } from './plugins/videoroom/index.js';
import { passthroughFactory } from './plugins/room-relay/index.js';
import { createCallStores } from './store/call-stores.js';
import { WsTransport } from './transport/ws-server.js';
import { HttpTransport } from './transport/http/http-transport.js';
import { AdminApi } from './admin/server.js';
import { storedRooms } from './admin/live-feed.js';
import { createRoomRoutes, createServerStore } from './store/factory.js';
import type { ServerStore } from './store/server-store.js';
import { ProxyMetrics } from './metrics/proxy-metrics.js';

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
  readonly metrics: ProxyMetrics;
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

async function createCluster(config: ProxyConfig, store: ServerStore, metrics: ProxyMetrics, logger: Logger): Promise<Cluster> {
  const b = config.backends;
  const cluster = new Cluster(store, {
    algorithm: b.select,
    customSelector: b.selector_module ? await loadCustomSelector(b.selector_module) : undefined,
    connectionsPerBackend: b.connections_per_server,
    spareSessions: b.spare_sessions,
    apiSecret: config.general.api_secret,
    requestTimeoutMs: b.request_timeout_ms,
    connectTimeoutMs: b.connect_timeout_ms,
    pingIntervalMs: b.ping_interval_ms,
    reconnectInitialDelayMs: b.reconnect_initial_delay_ms,
    reconnectMaxDelayMs: b.reconnect_max_delay_ms,
    breaker: { failureThreshold: b.breaker_failures, openMs: b.breaker_open_ms },
    removeExpiredAfterMs: b.remove_expired_after_s * 1000,
    explainHistory: config.admin_api.explain_history,
    onDecision: (plugin, result) => { metrics.onPlacement(plugin, result); },
    logger,
  });
  await cluster.start(config.janus_server);
  return cluster;
}

export async function startProxy(config: ProxyConfig, logger: Logger): Promise<RunningProxy> {
  const metrics = new ProxyMetrics();
  const store = await createServerStore(config.store, logger);
  const cluster = await createCluster(config, store, metrics, logger);
  const proxyId = `${config.general.server_name}-${randomBytes(4).toString('hex')}`;
  const calls = await createCallStores(config.store, proxyId, logger);
  const sessions = new Sessions({
    sessionTimeoutS: config.general.session_timeout,
    reclaimSessionTimeoutS: config.general.reclaim_session_timeout,
    locality: new LocalityResolver(config.backends.locality.rules),
    logger,
  });
  const videoroom = startVideoRoom(config.videoroom, config.store, cluster, logger);
  const transports: Record<string, Record<string, unknown>> = {};
  const roomRoutes = await createRoomRoutes(config.store, logger.child({ component: 'room-routes' }));
  const passthrough = passthroughFactory({
    routing: config.plugins.routing,
    homeBackends: config.plugins.home_backend,
    backends: () => [...cluster.backends.keys()],
    routes: roomRoutes.routes,
  });
  const modules = [echotestPlugin, videoroom.plugin, ...callPlugins({ users: calls.users, bus: calls.bus, logger })];
  const dispatcher = new Dispatcher(
    { sessions, plugins: new PluginRegistry(modules, passthrough), cluster },
    {
      apiSecret: config.general.api_secret,
      serverName: config.general.server_name,
      sessionTimeoutS: config.general.session_timeout,
      reclaimSessionTimeoutS: config.general.reclaim_session_timeout,
      transports,
      observer: metrics,
      logger,
    },
  );
  metrics.watch(sessions, cluster);
  const closers: (() => Promise<void>)[] = [];

  let wsUrl: string | undefined;
  if (config.ws_transport.enabled) {
    const t = config.ws_transport;
    const ws = new WsTransport(
      {
        host: t.host,
        port: t.port,
        maxMessageBytes: t.max_message_bytes,
        json: t.json,
        pingIntervalMs: t.ping_interval_ms,
        tls: t.tls ? { certPath: t.tls.cert_pem, keyPath: t.tls.cert_key } : undefined,
        origin: { trustForwardedFor: t.trust_forwarded_for, localityHeaders: config.backends.locality.headers },
        logger,
      },
      { dispatch: (payload, sink) => { dispatcher.dispatch(payload, sink); }, onSinkClosed: (sink) => { sessions.onSinkClosed(sink); } },
    );
    wsUrl = listenUrl(t.tls ? 'wss' : 'ws', await ws.listen());
    Object.assign(transports, WS_TRANSPORT_INFO);
    closers.push(() => ws.close());
    logger.info({ url: wsUrl }, 'Janus API WebSocket transport listening');
  }

  // HTTP REST + long-poll transport (src/transport/http).
  let httpUrl: string | undefined;
  if (config.http_transport.enabled) {
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
        origin: { trustForwardedFor: t.trust_forwarded_for, localityHeaders: config.backends.locality.headers },
        logger,
      },
      { dispatch: (payload, sink) => { dispatcher.dispatch(payload, sink); } },
    );
    httpUrl = `${listenUrl('http', await http.listen())}${t.base_path === '/' ? '' : t.base_path.replace(/\/$/, '')}`;
    Object.assign(transports, HTTP_TRANSPORT_INFO);
    closers.push(() => http.close());
    logger.info({ url: httpUrl }, 'Janus API HTTP transport listening');
  }

  let adminUrl: string | undefined;
  let adminToken: string | undefined;
  if (config.admin_api.enabled) {
    const a = config.admin_api;
    adminToken = a.token ?? randomBytes(18).toString('base64url');
    if (!a.token) logger.warn({ token: adminToken }, 'admin_api.token is not set: generated one for this run');
    const admin = new AdminApi(
      {
        cluster, info: () => dispatcher.info(), metrics,
        live: { sessions, requestTotals: () => metrics.requestTotals(), rooms: storedRooms(VIDEOROOM_PLUGIN, videoroom.rooms.deps.store) },
      },
      { host: a.host, port: a.port, token: adminToken, sentinelTokens: a.sentinel_tokens, corsOrigins: a.cors_origins, metricsPublic: a.metrics_public, logger },
    );
    adminUrl = listenUrl('http', await admin.listen());
    closers.push(() => admin.close());
    logger.info({ url: adminUrl }, 'admin API listening');
  }

  return {
    proxyId,
    cluster,
    sessions,
    wsUrl,
    httpUrl,
    adminUrl,
    adminToken,
    metrics,
    async stop() {
      for (const close of closers.reverse()) await close();
      sessions.stop();
      await videoroom.close();
      await calls.close();
      await roomRoutes.close();
      cluster.stop();
      metrics.stop();
      await store.close();
    },
  };
}
