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

export interface JanusAdminDeps {
  cluster: Cluster;
  sessions: AdminSessions;
  /** With a shared store: the session records of every proxy. */
  records?: SessionStore | undefined;
  /** The proxy's own session and handle events, added to the event stream. */
  proxyEvents?: ProxyEvents | undefined;
  tokenAuth: TokenAuth | undefined;
  info: (transaction: string) => OutgoingMessage;
  plugins: () => string[];
  configure: JanusAdminOptions['configure'];
  metrics: Registry;
}

function startEventStream(config: ProxyConfig, deps: JanusAdminDeps, logger: Logger): EventStream | undefined {
  const e = config.event_stream;
  if (!e.enabled) return undefined;
  const stream = new EventStream(deps.sessions, {
    webhooks: e.webhooks, events: e.events, maxQueue: e.max_queue, batchSize: e.batch_size, retryInitialMs: e.retry_initial_ms,
    retryMaxMs: e.retry_max_ms, maxAttempts: e.max_attempts, timeoutMs: e.timeout_ms, registry: deps.metrics, logger: logger.child({ component: 'events' }),
    emitter: config.general.server_name,
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
  return new JanusAdminRequests({
    adminSecret: g.admin_secret,
    sessions: deps.sessions,
    records: deps.records,
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
}

export async function startJanusAdmin(
  config: ProxyConfig, requests: JanusAdminRequests, deps: JanusAdminDeps, logger: Logger,
): Promise<{ url: string; close: () => Promise<void> }> {
  const a = config.janus_admin;
  if (a.port !== 0 && publicPorts(config).includes(a.port)) {
    throw new Error(`janus_admin.port ${String(a.port)} is the port of another listener: the Janus Admin API needs its own`);
  }
  const events = startEventStream(config, deps, logger);
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
