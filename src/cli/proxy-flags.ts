/** Command-line flags of `janus-proxy`, applied on top of the config file before validation. */
import { isJsonObject, type JsonObject } from '../protocol/messages.js';

export const USAGE = `Usage: janus-proxy [options]

  -c, --config FILE      YAML configuration file (see conf/janus-proxy.yml)
      --ws-port PORT     Janus API WebSocket port (default 8288)
      --ws-host ADDR     address the WebSocket transport binds to (default 0.0.0.0)
      --http-port PORT   Janus API HTTP (REST + long poll) port (default 8088)
      --http-host ADDR   address the HTTP transport binds to (default 0.0.0.0)
      --admin-port PORT  admin REST API port (default 8100)
      --admin-host ADDR  address the admin API binds to (default 127.0.0.1)
      --admin-token T    bearer token of the admin API (default: generated and logged)
      --backend URL      a backend Janus WebSocket URL, e.g. ws://127.0.0.1:8188;
                         repeat for several; replaces janus_server from the file
      --api-secret S     require this api_secret from clients (and send it to backends)
      --janus-admin-port PORT  serve the Janus Admin API (HTTP /admin and WebSocket
                         janus-admin-protocol) on this port, loopback unless janus_admin.host
      --admin-secret S   the Janus Admin API's admin_secret
      --log-level LEVEL  trace, debug, info, warn, error, fatal or silent
      --workers N        run N proxy processes sharing the ports (one per core);
                         needs store.type redis (default 1)
      --check-config     print the effective configuration and exit
  -h, --help             show this help
`;

/** `node:util` parseArgs options for the flags above. */
export const PROXY_OPTIONS = {
  config: { type: 'string', short: 'c' },
  'ws-port': { type: 'string' },
  'ws-host': { type: 'string' },
  'http-port': { type: 'string' },
  'http-host': { type: 'string' },
  'admin-port': { type: 'string' },
  'admin-host': { type: 'string' },
  'admin-token': { type: 'string' },
  backend: { type: 'string', multiple: true },
  'api-secret': { type: 'string' },
  'janus-admin-port': { type: 'string' },
  'admin-secret': { type: 'string' },
  'log-level': { type: 'string' },
  workers: { type: 'string' },
  'check-config': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ProxyFlags {
  'ws-port'?: string | undefined;
  'ws-host'?: string | undefined;
  'http-port'?: string | undefined;
  'http-host'?: string | undefined;
  'admin-port'?: string | undefined;
  'admin-host'?: string | undefined;
  'admin-token'?: string | undefined;
  backend?: string[] | undefined;
  'api-secret'?: string | undefined;
  'janus-admin-port'?: string | undefined;
  'admin-secret'?: string | undefined;
  'log-level'?: string | undefined;
}

/** `--workers`: 1 when absent; undefined when it is not a whole number from 1 to 64. */
export function workerCount(flag: string | undefined): number | undefined {
  if (flag === undefined) return 1;
  const n = Number(flag);
  return Number.isInteger(n) && n >= 1 && n <= 64 ? n : undefined;
}

function section(config: JsonObject, key: string): JsonObject {
  const existing = config[key];
  const copy: JsonObject = isJsonObject(existing) ? { ...existing } : {};
  config[key] = copy;
  return copy;
}

function backendName(url: string, index: number): string {
  try {
    const { hostname, port } = new URL(url);
    return `${hostname}-${port || 'default'}`.replace(/[^\w.-]/g, '_');
  } catch {
    return `backend-${index + 1}`;
  }
}

export function applyFlags(fileConfig: unknown, flags: ProxyFlags): JsonObject {
  const config: JsonObject = isJsonObject(fileConfig) ? { ...fileConfig } : {};
  if (flags['ws-port'] !== undefined) section(config, 'ws_transport').port = Number(flags['ws-port']);
  if (flags['ws-host'] !== undefined) section(config, 'ws_transport').host = flags['ws-host'];
  if (flags['http-port'] !== undefined) section(config, 'http_transport').port = Number(flags['http-port']);
  if (flags['http-host'] !== undefined) section(config, 'http_transport').host = flags['http-host'];
  if (flags['admin-port'] !== undefined) section(config, 'admin_api').port = Number(flags['admin-port']);
  if (flags['admin-host'] !== undefined) section(config, 'admin_api').host = flags['admin-host'];
  if (flags['admin-token'] !== undefined) section(config, 'admin_api').token = flags['admin-token'];
  if (flags['api-secret'] !== undefined) section(config, 'general').api_secret = flags['api-secret'];
  if (flags['log-level'] !== undefined) section(config, 'log').level = flags['log-level'];
  if (flags['janus-admin-port'] !== undefined) Object.assign(section(config, 'janus_admin'), { enabled: true, port: Number(flags['janus-admin-port']) });
  if (flags['admin-secret'] !== undefined) section(config, 'general').admin_secret = flags['admin-secret'];
  if (flags.backend?.length) {
    config.janus_server = flags.backend.map((url, i) => ({ name: backendName(url, i), url }));
  }
  return config;
}
