/** Starts the proxy's Janus Admin API from the config (src/janus-admin). */
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ProxyConfig } from '../config/schema.js';
import type { Cluster } from '../cluster/cluster.js';
import type { TokenAuth } from '../core/token-auth.js';
import type { OutgoingMessage } from '../protocol/messages.js';
import { BackendAdmin } from './backends.js';
import { JanusAdminRequests, type JanusAdminOptions } from './requests.js';
import { JanusAdminServer } from './server.js';
import type { AdminSessions } from './handle-requests.js';
import type { SessionStore } from '../store/session-store.js';
import type { ProxyEvents } from '../events/proxy-events.js';
import type { Registry } from 'prom-client';
import { EventStream } from '../events/stream.js';
import { findClientIds } from '../events/ids.js';
import type { MessageBus } from '../store/bus.js';
import { ClusterSessions } from './cluster-sessions.js';

export interface JanusAdminDeps {
  cluster: Cluster;
  sessions: AdminSessions;
  /** With a shared store: the session records of every proxy. */
  records?: SessionStore | undefined;
  /** With a shared store: the bus to the other proxies (Admin API requests about their sessions, event ids). */
  bus?: MessageBus | undefined;
  /** The proxy's own session and handle events, added to the event stream. */
  proxyEvents?: ProxyEvents | undefined;
  tokenAuth: TokenAuth | undefined;
  info: (transaction: string) => OutgoingMessage;
  plugins: () => string[];
  configure: JanusAdminOptions['configure'];
  metrics: Registry;
}

function startEventStream(config: ProxyConfig, deps: JanusAdminDeps, cluster: ClusterSessions | undefined, logger: Logger): EventStream | undefined {
  const e = config.event_stream;
  if (!e.enabled) return undefined;
  const stream = new EventStream(deps.sessions, {
    webhooks: e.webhooks, events: e.events, maxQueue: e.max_queue, batchSize: e.batch_size, retryInitialMs: e.retry_initial_ms,
    retryMaxMs: e.retry_max_ms, maxAttempts: e.max_attempts, timeoutMs: e.timeout_ms, registry: deps.metrics, logger: logger.child({ component: 'events' }),
    emitter: config.general.server_name,
    remoteIds: cluster ? (backend, session, handle) => cluster.clientIds(backend, session, handle) : undefined,
    backends: () => [...deps.cluster.backends.values()].map((b) => ({ name: b.name, connected: b.connected, status: b.status })),
  });
  const unlisten = deps.proxyEvents?.listen((event) => { stream.own(event); });
  if (unlisten) stream.onStop(unlisten);
  return stream;
}

/** The public listeners' ports: the Admin API must never share one of them. */
function publicPorts(config: ProxyConfig): number[] {
  const ports: number[] = [];
  if (config.ws_transport.enabled) ports.push(config.ws_transport.port);
  if (config.http_transport.enabled) ports.push(config.http_transport.port);
  if (config.admin_api.enabled) ports.push(config.admin_api.port);
  return ports.filter((p) => p !== 0);
}

/** The Admin API's request handling, shared by its own listener and the REST admin API. */
export function createJanusAdminRequests(config: ProxyConfig, deps: JanusAdminDeps): JanusAdminRequests {
  const a = config.janus_admin;
  const g = config.general;
  let sessionTimeoutS = g.session_timeout;
  let accepting = true;
  const { records, bus } = deps;
  // The owner may itself wait for its Janus: it gets longer than one backend request.
  const cluster = records && bus && new ClusterSessions({
    records, bus, timeoutMs: 2 * a.backend_timeout_ms, answer: (raw) => requests.answerForwarded(raw),
    localIds: (backend, session, handle) => findClientIds(deps.sessions, backend, session, handle),
    localStates: (plugin) => deps.sessions.ids().flatMap((id) => [...(deps.sessions.get(id)?.handles.values() ?? [])])
      .flatMap((h) => (h.plugin === plugin && h.pluginState ? [h.pluginState] : [])),
  });
  const requests: JanusAdminRequests = new JanusAdminRequests({
    adminSecret: g.admin_secret,
    sessions: deps.sessions,
    records,
    cluster,
    backends: new BackendAdmin({
      backends: { names: () => [...deps.cluster.backends.keys()], endpoint: (name) => deps.cluster.adminEndpoint(name) },
      timeoutMs: a.backend_timeout_ms,
    }),
    tokenAuth: deps.tokenAuth,
    info: deps.info,
    plugins: deps.plugins,
    configure: (settings) => {
      if (settings.sessionTimeoutS !== undefined) sessionTimeoutS = settings.sessionTimeoutS;
      if (settings.acceptNewSessions !== undefined) accepting = settings.acceptNewSessions;
      deps.configure(settings);
    },
    status: () => ({
      token_auth: deps.tokenAuth !== undefined,
      accepting_new_sessions: accepting,
      session_timeout: sessionTimeoutS,
      reclaim_session_timeout: g.reclaim_session_timeout,
      candidates_timeout: 45,
      backends: [...deps.cluster.backends.keys()],
    }),
  });
  return requests;
}

export async function startJanusAdmin(
  config: ProxyConfig, requests: JanusAdminRequests, deps: JanusAdminDeps, logger: Logger,
): Promise<{ url: string; close: () => Promise<void> }> {
  const a = config.janus_admin;
  if (a.port !== 0 && publicPorts(config).includes(a.port)) {
    throw new Error(`janus_admin.port ${String(a.port)} is the port of another listener: the Janus Admin API needs its own`);
  }
  const events = startEventStream(config, deps, requests.cluster, logger);
  const server = new JanusAdminServer({
    host: a.host, port: a.port, basePath: a.base_path, logger, adminSecret: config.general.admin_secret,
    eventsPath: events ? config.event_stream.ingest_path : undefined,
    // Only the cluster's backends feed the stream: a post naming anything else is ignored.
    onEvents: events ? (backend, payload) => { if (deps.cluster.backends.has(backend)) events.ingest(backend, payload); } : undefined,
    subscribe: events ? (listener) => events.subscribe(listener) : undefined,
  }, requests);
  let address: AddressInfo;
  try {
    address = await server.listen();
  } catch (err) {
    events?.stop();
    throw err;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${String(address.port)}${a.base_path}`;
  logger.info({ url }, 'Janus Admin API listening (HTTP and WebSocket janus-admin-protocol)');
  return { url, close: async () => { events?.stop(); await server.close(); } };
}
