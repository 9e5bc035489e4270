// Writes a private Janus config dir: a copy of /etc/janus (plugin configs) with janus.jcfg and the
// websockets/http transport configs generated fresh. Used by the local cluster command and the test fixtures.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SYSTEM_CONFIG_DIR = '/etc/janus';

/**
 * How long Janus keeps a session whose transport (a proxy's connection) dropped, unless told
 * otherwise: long enough for another proxy to take the session over (Janus's own default is 0).
 */
export const DEFAULT_RECLAIM_SESSION_TIMEOUT_S = 30;

/** Plugins a test gets when it does not ask for any. */
export const DEFAULT_PLUGINS = ['echotest', 'videoroom', 'videocall'];

export type JanusConfigInput = {
  dir: string;
  host: string;
  ports: { ws: number; adminWs: number; http: number; adminHttp: number };
  plugins: string[];
  http: boolean;
  adminSecret: string;
  apiSecret?: string | undefined;
  tokenAuth?: boolean | undefined;
  /** Signed-token mode (token_auth_secret); stored tokens when unset. */
  tokenAuthSecret?: string | undefined;
  sessionTimeout?: number | undefined;
  reclaimSessionTimeout?: number | undefined;
  fullTrickle?: boolean | undefined;
  serverName?: string | undefined;
  /** The veth IP in netns mode; unset in loopback mode (loopback never matches, see the recipe). */
  iceEnforce?: string | undefined;
  debugLevel: number;
  rtpPortRange: string;
  /** Where Janus's HTTP event handler posts every event (the proxy's event stream); off when unset. */
  eventHandlerUrl?: string | undefined;
};

type Value = string | number | boolean | string[];
type Section = Record<string, Value | undefined>;

function quote(s: string): string {
  const escaped = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return `"${escaped}"`;
}

function formatValue(v: Value): string {
  if (typeof v === 'string') return quote(v);
  if (Array.isArray(v)) return `[ ${v.map(quote).join(', ')} ]`;
  return String(v);
}

/** libconfig text for `{ section: { key = value } }`; undefined values are left out. */
export function toLibconfig(sections: Record<string, Section>): string {
  return Object.entries(sections)
    .map(([name, body]) => {
      const lines = Object.entries(body)
        .filter((entry): entry is [string, Value] => entry[1] !== undefined)
        .map(([k, v]) => `\t${k} = ${formatValue(v)}`);
      return `${name}: {\n${lines.join('\n')}\n}\n`;
    })
    .join('');
}

/** Folders from the system janus.jcfg, so the fixture follows the package's multiarch layout. */
function systemFolder(key: string, fallback: string): string {
  const text = readFileSync(join(SYSTEM_CONFIG_DIR, 'janus.jcfg'), 'utf8');
  return new RegExp(`^\\s*${key}\\s*=\\s*"([^"]+)"`, 'm').exec(text)?.[1] ?? fallback;
}

function libraries(folder: string): string[] {
  return readdirSync(folder).filter((f) => /^libjanus_\w+\.so$/.test(f));
}

export function writeJanusConfig(c: JanusConfigInput): string {
  cpSync(SYSTEM_CONFIG_DIR, c.dir, { recursive: true });
  const lib = '/usr/lib/x86_64-linux-gnu/janus';
  const folders = {
    plugins_folder: systemFolder('plugins_folder', `${lib}/plugins`),
    transports_folder: systemFolder('transports_folder', `${lib}/transports`),
    events_folder: systemFolder('events_folder', `${lib}/events`),
    loggers_folder: systemFolder('loggers_folder', `${lib}/loggers`),
  };
  const available = libraries(folders.plugins_folder);
  const wanted = c.plugins.map((p) => `libjanus_${p}.so`);
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length > 0) throw new Error(`unknown Janus plugin(s): ${unknown.join(', ')}; have ${available.join(', ')}`);

  const janusJcfg = toLibconfig({
    general: {
      configs_folder: c.dir,
      ...folders,
      log_to_stdout: false,
      log_to_file: join(c.dir, 'janus.log'),
      debug_level: c.debugLevel,
      debug_timestamps: true,
      debug_colors: false,
      admin_secret: c.adminSecret,
      api_secret: c.apiSecret,
      token_auth: c.tokenAuth,
      token_auth_secret: c.tokenAuthSecret,
      session_timeout: c.sessionTimeout,
      reclaim_session_timeout: c.reclaimSessionTimeout ?? DEFAULT_RECLAIM_SESSION_TIMEOUT_S,
      server_name: c.serverName,
      protected_folders: ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/sbin', '/sys', '/usr', '/var'],
    },
    certificates: {},
    media: { ipv6: false, rtp_port_range: c.rtpPortRange },
    nat: { nice_debug: false, ice_ignore_list: 'vmnet', ice_enforce_list: c.iceEnforce, full_trickle: c.fullTrickle },
    plugins: { disable: available.filter((a) => !wanted.includes(a)).join(',') },
    transports: { disable: 'libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so' },
    loggers: { disable: libraries(folders.loggers_folder).join(',') },
    events: {
      broadcast: c.eventHandlerUrl !== undefined,
      disable: libraries(folders.events_folder).filter((l) => c.eventHandlerUrl === undefined || l !== 'libjanus_sampleevh.so').join(','),
    },
  });
  writeFileSync(join(c.dir, 'janus.jcfg'), janusJcfg);
  if (c.eventHandlerUrl !== undefined) {
    writeFileSync(join(c.dir, 'janus.eventhandler.sampleevh.jcfg'), toLibconfig({
      general: { enabled: true, events: 'all', grouping: true, json: 'compact', backend: c.eventHandlerUrl },
    }));
  }

  // Compact JSON: the proxy is the reader, and whitespace only costs parsing and bytes on every event.
  writeFileSync(join(c.dir, 'janus.transport.websockets.jcfg'), toLibconfig({
    general: { json: 'compact', ws: true, ws_ip: c.host, ws_port: c.ports.ws, wss: false },
    admin: { admin_ws: true, admin_ws_ip: c.host, admin_ws_port: c.ports.adminWs, admin_wss: false },
    cors: {},
  }));
  writeFileSync(join(c.dir, 'janus.transport.http.jcfg'), toLibconfig({
    general: { json: 'indented', base_path: '/janus', http: c.http, ip: c.host, port: c.ports.http, https: false },
    admin: { admin_base_path: '/admin', admin_http: true, admin_ip: c.host, admin_port: c.ports.adminHttp, admin_https: false },
    cors: {},
  }));
  return join(c.dir, 'janus.jcfg');
}
