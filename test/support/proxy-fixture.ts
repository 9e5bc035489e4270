// Runs the proxy in-process for tests, on a free loopback port, in front of the given Janus servers.
import { pino } from 'pino';
import { parseProxyConfig } from '../../src/config/load.js';
import { startProxy, type RunningProxy } from '../../src/proxy.js';
import type { JanusInstance } from './janus-fixture.js';

export type ProxyOverrides = {
  general?: Record<string, unknown>;
  ws_transport?: Record<string, unknown>;
  http_transport?: Record<string, unknown>;
  backends?: Record<string, unknown>;
  admin_api?: Record<string, unknown>;
  store?: Record<string, unknown>;
  recordings?: Record<string, unknown>;
  /** The `videoroom` section; tests get a fixed backend room secret unless they set one. */
  videoroom?: Record<string, unknown>;
  /** The Janus Admin API section (off unless given). */
  janus_admin?: Record<string, unknown>;
  event_stream?: Record<string, unknown>;
  /** Graceful stop (`grace_s`). */
  shutdown?: Record<string, unknown>;
  /** Static backends in the config (with any per-backend credentials); defaults to the given Janus servers. */
  janus_server?: ({ name: string; url: string } & Record<string, unknown>)[];
};

export const TEST_ADMIN_TOKEN = 'test-admin-token';

/** `url`: the WebSocket transport; `httpUrl` (http://127.0.0.1:port/janus): the HTTP transport, when enabled. */
export type TestProxy = RunningProxy & { url: string };

export async function startTestProxy(janus: readonly JanusInstance[], overrides: ProxyOverrides = {}): Promise<TestProxy> {
  const config = parseProxyConfig({
    general: { ...overrides.general },
    log: { level: process.env.PROXY_LOG_LEVEL ?? 'silent' },
    ws_transport: { host: '127.0.0.1', port: 0, ...overrides.ws_transport },
    http_transport: { host: '127.0.0.1', port: 0, ...overrides.http_transport },
    backends: { reconnect_initial_delay_ms: 100, reconnect_max_delay_ms: 500, ...overrides.backends },
    admin_api: { host: '127.0.0.1', port: 0, token: TEST_ADMIN_TOKEN, ...overrides.admin_api },
    store: { ...overrides.store },
    recordings: { ...overrides.recordings },
    videoroom: { backend_room_secret: 'test-backend-room-secret', ...overrides.videoroom },
    janus_admin: { host: '127.0.0.1', port: 0, ...overrides.janus_admin },
    event_stream: { ...overrides.event_stream },
    shutdown: { ...overrides.shutdown },
    janus_server: overrides.janus_server ?? janus.map((j) => ({ name: j.name, url: j.wsUrl })),
  });
  const logger = pino({ level: config.log.level });
  const proxy = await startProxy(config, logger);
  if (!(await proxy.cluster.waitConnected(10_000))) {
    await proxy.stop();
    throw new Error('proxy did not connect to every backend');
  }
  const url = proxy.wsUrl;
  if (!url) throw new Error('proxy WebSocket transport is disabled');
  return {
    ...proxy,
    cluster: proxy.cluster,
    sessions: proxy.sessions,
    url,
    stop: () => proxy.stop(),
  };
}
