/**
 * Accepts the original janus-cloud `janus-proxy.yml`: each key that maps onto ours is renamed with a
 * warning, each that has no meaning here is dropped with a warning, so its users can migrate.
 */
import { section } from './sections.js';
import { isJsonObject, type JsonObject } from '../protocol/messages.js';

const SELECT_NAMES: Record<string, string> = { rr: 'round_robin', rand: 'random', lb: 'least_loaded', wr: 'weighted_random' };
const LOG_LEVELS: Record<string, string> = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', WARNING: 'warn', ERROR: 'error', FATAL: 'fatal' };

function hostPort(value: unknown): { host: string; port: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(.*):(\d+)$/.exec(value);
  return match ? { host: match[1] || '0.0.0.0', port: Number(match[2]) } : undefined;
}


type Migration = (value: unknown, out: JsonObject, warn: (text: string) => void) => void;

const MIGRATIONS: Record<string, Migration> = {
  'general.api_secret': (v, out) => {
    // The original wrote "" for "no secret".
    if (typeof v === 'string' && v !== '') section(out, 'general').api_secret = v;
  },
  'general.server_db': (v, out, warn) => {
    const store = section(out, 'store');
    if (typeof v === 'string' && v.startsWith('redis')) Object.assign(store, { type: 'redis', redis_url: v });
    else store.type = 'memory';
    warn('general.server_db is now store.type / store.redis_url');
  },
  'general.server_select': (v, out, warn) => {
    const name = typeof v === 'string' ? SELECT_NAMES[v] : undefined;
    if (name) section(out, 'backends').select = name;
    else warn(`general.server_select '${String(v)}' has no equivalent: write a backends.selector_module instead`);
    if (name) warn(`general.server_select '${String(v)}' is now backends.select '${name}'`);
  },
  'log.debug_level': (v, out, warn) => {
    section(out, 'log').level = LOG_LEVELS[String(v).toUpperCase()] ?? 'info';
    warn('log.debug_level is now log.level');
  },
  'certificates.cert_pem': (v, out) => { section(section(out, 'ws_transport'), 'tls').cert_pem = v; },
  'certificates.cert_key': (v, out, warn) => {
    section(section(out, 'ws_transport'), 'tls').cert_key = v;
    warn('certificates.cert_pem/cert_key are now ws_transport.tls.cert_pem/cert_key (used when set)');
  },
  'ws_transport.ws': (v, out, warn) => { section(out, 'ws_transport').enabled = v; warn('ws_transport.ws is now ws_transport.enabled'); },
  'ws_transport.ws_listen': (v, out, warn) => {
    const hp = hostPort(v);
    if (hp) Object.assign(section(out, 'ws_transport'), hp);
    warn('ws_transport.ws_listen is now ws_transport.host + ws_transport.port');
  },
  'ws_transport.pingpong_trigger': (v, out, warn) => {
    section(out, 'ws_transport').ping_interval_ms = Number(v) * 1000;
    warn('ws_transport.pingpong_trigger (s) is now ws_transport.ping_interval_ms');
  },
  'admin_api.http_listen': (v, out, warn) => {
    const hp = hostPort(v);
    if (hp) Object.assign(section(out, 'admin_api'), hp);
    warn('admin_api.http_listen is now admin_api.host + admin_api.port');
  },
};

const DROPPED = new Set([
  'general.daemonize', 'general.configs_folder', 'log.log_to_stdout', 'log.log_to_file', 'log.log_file_size', 'log.log_file_rotate',
  'certificates.cert_pwd', 'ws_transport.pingpong_timeout', 'ws_transport.wss', 'ws_transport.wss_listen', 'ws_transport.max_greenlet_num',
  'admin_api.json',
]);
/** The original's `plugins` was a list of Python factories; ours is a section (pass-through routing). */
const isLegacyPlugins = (sectionName: string, body: unknown): boolean => sectionName === 'plugins' && Array.isArray(body);
const STATIC_SERVER_KEYS = new Set(['name', 'url']);

/** Whether a parsed file looks like the original janus-cloud's (any of its own keys present). */
export function isLegacyProxyConfig(raw: unknown): boolean {
  if (!isJsonObject(raw)) return false;
  return Object.entries(raw).some(([sectionName, body]) =>
    isLegacyPlugins(sectionName, body) || (isJsonObject(body) && Object.keys(body).some((k) => `${sectionName}.${k}` in MIGRATIONS || DROPPED.has(`${sectionName}.${k}`))));
}

export function migrateLegacyProxyConfig(raw: JsonObject): { config: JsonObject; warnings: string[] } {
  const warnings: string[] = [];
  const warn = (text: string): void => { if (!warnings.includes(text)) warnings.push(text); };
  const out: JsonObject = {};
  for (const [sectionName, body] of Object.entries(raw)) {
    if (DROPPED.has(sectionName) || isLegacyPlugins(sectionName, body)) { warn(`${sectionName} is not used by janus-cloud (TypeScript) and was ignored`); continue; }
    if (sectionName === 'janus_server' && Array.isArray(body)) {
      out.janus_server = body.map((server: unknown) => {
        const entry = isJsonObject(server) ? server : {};
        const extra = Object.keys(entry).filter((k) => !STATIC_SERVER_KEYS.has(k));
        if (extra.length > 0) warn(`janus_server[].${extra.join('/')} ignored: load and status come from sentinels`);
        return { name: entry.name, url: entry.url };
      });
      continue;
    }
    if (!isJsonObject(body)) { out[sectionName] = body; continue; }
    for (const [key, value] of Object.entries(body)) {
      const path = `${sectionName}.${key}`;
      const migrate = MIGRATIONS[path];
      if (migrate) migrate(value, out, warn);
      else if (DROPPED.has(path)) warn(`${path} is not used by janus-cloud (TypeScript) and was ignored`);
      else section(out, sectionName)[key] = value;
    }
  }
  return { config: out, warnings };
}
