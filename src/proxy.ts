/** Assembles a running proxy from a validated config: cluster, sessions, dispatcher, transports. */
import type { Logger } from 'pino';
import type { AddressInfo } from 'node:net';
import type { ProxyConfig } from './config/schema.js';
import { Cluster } from './cluster/cluster.js';
import { Sessions } from './core/sessions.js';
import { Dispatcher } from './core/dispatcher.js';
import { PluginRegistry } from './plugins/registry.js';
import { WsTransport } from './transport/ws-server.js';

export interface RunningProxy {
  readonly cluster: Cluster;
  readonly sessions: Sessions;
  /** ws://host:port the client transport listens on (undefined when disabled). */
  readonly wsUrl: string | undefined;
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

export async function startProxy(config: ProxyConfig, logger: Logger): Promise<RunningProxy> {
  const cluster = new Cluster({
    algorithm: config.backends.select,
    connectionsPerBackend: config.backends.connections_per_server,
    spareSessions: config.backends.spare_sessions,
    apiSecret: config.general.api_secret,
    requestTimeoutMs: config.backends.request_timeout_ms,
    connectTimeoutMs: config.backends.connect_timeout_ms,
    pingIntervalMs: config.backends.ping_interval_ms,
    reconnectInitialDelayMs: config.backends.reconnect_initial_delay_ms,
    reconnectMaxDelayMs: config.backends.reconnect_max_delay_ms,
    logger,
  });
  for (const backend of config.janus_server) cluster.addStatic(backend);

  const sessions = new Sessions({
    sessionTimeoutS: config.general.session_timeout,
    reclaimSessionTimeoutS: config.general.reclaim_session_timeout,
    logger,
  });
  const dispatcher = new Dispatcher(
    { sessions, plugins: new PluginRegistry(), cluster },
    {
      apiSecret: config.general.api_secret,
      serverName: config.general.server_name,
      sessionTimeoutS: config.general.session_timeout,
      reclaimSessionTimeoutS: config.general.reclaim_session_timeout,
      transports: WS_TRANSPORT_INFO,
      logger,
    },
  );

  let ws: WsTransport | undefined;
  let wsUrl: string | undefined;
  if (config.ws_transport.enabled) {
    const t = config.ws_transport;
    ws = new WsTransport(
      {
        host: t.host,
        port: t.port,
        maxMessageBytes: t.max_message_bytes,
        json: t.json,
        pingIntervalMs: t.ping_interval_ms,
        tls: t.tls ? { certPath: t.tls.cert_pem, keyPath: t.tls.cert_key } : undefined,
        logger,
      },
      { dispatch: (payload, sink) => { dispatcher.dispatch(payload, sink); }, onSinkClosed: (sink) => { sessions.onSinkClosed(sink); } },
    );
    const address: AddressInfo = await ws.listen();
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    wsUrl = `${t.tls ? 'wss' : 'ws'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
    logger.info({ url: wsUrl }, 'Janus API WebSocket transport listening');
  }

  return {
    cluster,
    sessions,
    wsUrl,
    async stop() {
      await ws?.close();
      sessions.stop();
      cluster.stop();
    },
  };
}
