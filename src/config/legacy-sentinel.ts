/**
 * Accepts the original janus-cloud `janus-sentinel.yml`: each key that maps onto ours is renamed
 * (seconds become milliseconds, ip + port become URLs) with a warning, each that has no meaning here
 * is dropped with a warning. Keys this module does not know are passed on for the schema to judge.
 */
import { section } from './sections.js';
import { isJsonObject, type JsonObject } from '../protocol/messages.js';

const LOG_LEVELS: Record<string, string> = { DEBUG: 'debug', INFO: 'info', WARN: 'warn', WARNING: 'warn', ERROR: 'error', FATAL: 'fatal' };
/** The original proxy marked its backend rooms so; ours marks them `janus-cloud:` (videoroom.room_marker). */
const ORIGINAL_ROOM_MARKER = 'januscloud-';
const CALLBACK_PATH = '/sentinel_callback';
/** Keys of the original that do the same thing here under the same name. */
const SAME_JANUS_KEYS = new Set(['server_name', 'admin_secret', 'location', 'isp']);
/** Default report interval (ms) of our schema; the expiry must cover two of them. */
const REPORT_INTERVAL_MS = 5_000;

const DROPPED = new Set([
  'general.daemonize', 'proc_watcher.poll_interval', 'log.log_to_stdout', 'log.log_to_file', 'log.log_file_size',
  'log.log_file_rotate', 'admin_api.json',
]);

/** Sections only the original has; any of them (or a known original key) marks the file as original. */
const ORIGINAL_SECTIONS = new Set(['general', 'proc_watcher', 'videoroom_sweeper', 'posters']);
const ORIGINAL_KEYS = new Set([
  'janus.server_ip', 'janus.public_ip', 'janus.ws_port', 'janus.admin_ws_port', 'janus.pingpong_interval',
  'janus.statistic_interval', 'janus.request_timeout', 'janus.hwm_threshold', 'log.debug_level', 'admin_api.http_listen',
  ...DROPPED,
]);

type Warn = (text: string) => void;


/** Seconds (a number, or a numeric string) as milliseconds; other values are left for the schema to reject. */
function secondsToMs(value: unknown): unknown {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? Math.round(n * 1000) : value;
}

function nonEmpty(value: unknown): value is string | number {
  return (typeof value === 'string' && value.trim() !== '') || typeof value === 'number';
}

/** Whether a parsed file looks like the original janus-cloud's sentinel config. */
export function isLegacySentinelConfig(raw: unknown): boolean {
  if (!isJsonObject(raw)) return false;
  return Object.entries(raw).some(([name, body]) =>
    ORIGINAL_SECTIONS.has(name) || (isJsonObject(body) && Object.keys(body).some((k) => ORIGINAL_KEYS.has(`${name}.${k}`))));
}

function migrateJanus(janus: JsonObject, out: JsonObject, warn: Warn): void {
  const target = section(out, 'janus');
  const monitor = (key: string, value: unknown, from: string): void => {
    section(out, 'monitor')[key] = secondsToMs(value);
    warn(`janus.${from} (s) is now monitor.${key}`);
  };
  const serverIp = nonEmpty(janus.server_ip) ? String(janus.server_ip) : '127.0.0.1';
  const wsPort = nonEmpty(janus.ws_port) ? String(janus.ws_port) : '8188';
  if ('server_ip' in janus || 'ws_port' in janus) {
    target.ws_url = `ws://${serverIp}:${wsPort}`;
    warn(`janus.server_ip + janus.ws_port are now janus.ws_url (${String(target.ws_url)})`);
  }
  if ('public_ip' in janus) {
    if (nonEmpty(janus.public_ip) && janus.public_ip !== '127.0.0.1') {
      target.public_url = `ws://${String(janus.public_ip)}:${wsPort}`;
      warn(`janus.public_ip + janus.ws_port are now janus.public_url (${String(target.public_url)}; wss:// is allowed too)`);
    } else {
      warn('janus.public_ip is now janus.public_url; left unset, so the first external IPv4 of this machine is used');
    }
  }
  if ('admin_ws_port' in janus) {
    const port = Number(janus.admin_ws_port);
    if (!Number.isInteger(port)) target.admin_ws_port = janus.admin_ws_port; // the schema names the bad key
    else if (port !== 0) target.admin_ws_url = `ws://${serverIp}:${port}`;
    warn(port !== 0
      ? `janus.admin_ws_port is now janus.admin_ws_url (${String(target.admin_ws_url)})`
      : 'janus.admin_ws_port 0 is now an unset janus.admin_ws_url (no session/handle counts, and drains wait their whole timeout)');
  }
  for (const [key, value] of Object.entries(janus)) {
    if (['server_ip', 'public_ip', 'ws_port', 'admin_ws_port'].includes(key)) continue;
    if (key === 'pingpong_interval') monitor('ping_interval_ms', value, key);
    else if (key === 'statistic_interval') monitor('load_interval_ms', value, key);
    else if (key === 'request_timeout') monitor('request_timeout_ms', value, key);
    else if (key === 'hwm_threshold') monitor('overload_rtt_ms', value, key);
    else if (SAME_JANUS_KEYS.has(key)) {
      // The original wrote "" for "unset"; an empty server_name meant a new random name per start.
      if (value === '' || value === null) {
        if (key === 'server_name') warn('janus.server_name "" (a new random name on every start) is now unset: <hostname>-<ws port> is used, stable across restarts');
      } else target[key] = value;
    } else target[key] = value;
  }
}

function migrateProcWatcher(watcher: JsonObject, out: JsonObject, warn: Warn): void {
  for (const [key, value] of Object.entries(watcher)) {
    if (key === 'cmdline') {
      if (nonEmpty(value)) section(out, 'process').command = value;
      warn('proc_watcher.cmdline is now process.command');
    } else if (key === 'error_restart_interval') {
      if (Number(value) === 0) {
        warn('proc_watcher.error_restart_interval 0 (never restart) has no equivalent: Janus is always restarted, with process.restart_initial_delay_ms doubling up to restart_max_delay_ms');
      } else {
        section(out, 'process').restart_initial_delay_ms = secondsToMs(value);
        warn('proc_watcher.error_restart_interval (s) is now process.restart_initial_delay_ms (doubled after each quick crash, up to process.restart_max_delay_ms)');
      }
    } else if (DROPPED.has(`proc_watcher.${key}`)) warn(`proc_watcher.${key} is not used by janus-cloud (TypeScript) and was ignored`);
    else section(out, 'process')[key] = value;
  }
}

function migrateSweeper(sweeper: JsonObject, out: JsonObject, warn: Warn): void {
  const target = section(out, 'sweeper');
  for (const [key, value] of Object.entries(sweeper)) {
    if (key === 'enable') {
      target.enabled = value;
      warn('videoroom_sweeper.enable is now sweeper.enabled (AudioBridge rooms are swept too, see sweeper.plugins)');
    } else if (key === 'check_interval') {
      target.interval_ms = secondsToMs(value);
      warn('videoroom_sweeper.check_interval (s) is now sweeper.interval_ms');
    } else if (key === 'room_auto_destroy_timeout') {
      target.idle_timeout_ms = secondsToMs(value);
      warn('videoroom_sweeper.room_auto_destroy_timeout (s) is now sweeper.idle_timeout_ms');
    } else if (key === 'des_filter') {
      if (value === ORIGINAL_ROOM_MARKER) {
        warn(`videoroom_sweeper.des_filter '${ORIGINAL_ROOM_MARKER}' is now sweeper.description_marker, left at its default 'janus-cloud:' (the marker of this proxy's backend rooms)`);
      } else {
        target.description_marker = value;
        warn('videoroom_sweeper.des_filter is now sweeper.description_marker (it must match the proxy\'s videoroom.room_marker)');
      }
    } else target[key] = value;
  }
}

function hostPort(value: unknown): { host: string; port: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(.*):(\d+)$/.exec(value);
  return match ? { host: match[1] || '0.0.0.0', port: Number(match[2]) } : undefined;
}

/** A post URL as a proxy entry: `/sentinel_callback` stripped, a `?token=` taken out as the token. */
function proxyFromPostUrl(postUrl: unknown, warn: Warn): JsonObject {
  let url: URL;
  try {
    url = new URL(String(postUrl));
  } catch {
    return { url: postUrl }; // the schema names the bad value
  }
  const token = url.searchParams.get('token');
  const path = url.pathname.replace(/\/+$/, '');
  const base = `${url.origin}${path.endsWith(CALLBACK_PATH) ? path.slice(0, -CALLBACK_PATH.length) : path}`;
  if (token !== null) {
    warn('posters[].post_urls ?token= is now report.proxies[].token (sent as a bearer header)');
    return { url: base, token };
  }
  warn(`posters[].post_urls ${base}: the original sentinel sent no token, but the proxy requires one: set report.proxies[].token to one of the proxy's admin_api.sentinel_tokens (or add ?token=<token> to the post URL)`);
  return { url: base };
}

function migratePosters(posters: unknown, out: JsonObject, warn: Warn): void {
  if (!Array.isArray(posters)) {
    out.posters = posters; // the schema rejects it by name
    return;
  }
  const report = section(out, 'report');
  const proxies: JsonObject[] = [];
  const expires: number[] = [];
  const timeouts: number[] = [];
  for (const poster of posters) {
    const entry = isJsonObject(poster) ? poster : {};
    if (entry.post_type !== undefined && entry.post_type !== 'http') {
      warn(`posters[] with post_type ${JSON.stringify(entry.post_type)} ignored: only http posters exist`);
      continue;
    }
    const urls: unknown[] = Array.isArray(entry.post_urls) ? entry.post_urls : [];
    for (const proxy of urls.map((u) => proxyFromPostUrl(u, warn))) {
      if (!proxies.some((p) => p.url === proxy.url && p.token === proxy.token)) proxies.push(proxy);
    }
    if (typeof entry.expire === 'number') expires.push(entry.expire);
    if (typeof entry.http_timeout === 'number') timeouts.push(entry.http_timeout);
    const extra = Object.keys(entry).filter((k) => !['post_type', 'post_urls', 'expire', 'http_timeout'].includes(k));
    if (extra.length > 0) warn(`posters[].${extra.join('/')} is not used by janus-cloud (TypeScript) and was ignored`);
  }
  report.proxies = proxies;
  warn('posters[].post_urls are now report.proxies[].url, without the /sentinel_callback path (every proxy now gets every report, instead of one URL per post in turn)');
  if (expires.length > 0) {
    const expire = Math.max(...expires);
    report.expire_s = expire;
    // The original posted every expire/3 s (at most 60 s); ours reports every 5 s, unless that is too rare.
    if (expire * 1000 < 2 * REPORT_INTERVAL_MS) report.interval_ms = Math.max(200, Math.floor((expire * 1000) / 3));
    warn(`posters[].expire is now report.expire_s${expires.length > 1 ? ' (the largest of the posters\')' : ''}`);
  }
  if (timeouts.length > 0) {
    report.timeout_ms = secondsToMs(Math.max(...timeouts));
    warn('posters[].http_timeout (s) is now report.timeout_ms');
  }
}

export function migrateLegacySentinelConfig(raw: JsonObject): { config: JsonObject; warnings: string[] } {
  const warnings: string[] = [];
  const warn: Warn = (text) => { if (!warnings.includes(text)) warnings.push(text); };
  const out: JsonObject = {};
  for (const [name, body] of Object.entries(raw)) {
    if (name === 'posters') { migratePosters(body, out, warn); continue; }
    if (!isJsonObject(body)) { out[name] = body; continue; }
    if (name === 'janus') { migrateJanus(body, out, warn); continue; }
    if (name === 'proc_watcher') { migrateProcWatcher(body, out, warn); continue; }
    if (name === 'videoroom_sweeper') { migrateSweeper(body, out, warn); continue; }
    for (const [key, value] of Object.entries(body)) {
      const path = `${name}.${key}`;
      if (DROPPED.has(path)) warn(`${path} is not used by janus-cloud (TypeScript) and was ignored`);
      else if (path === 'log.debug_level') {
        section(out, 'log').level = LOG_LEVELS[String(value).toUpperCase()] ?? 'info';
        warn('log.debug_level is now log.level');
      } else if (path === 'admin_api.http_listen') {
        const hp = hostPort(value);
        if (hp) Object.assign(section(out, 'admin_api'), hp);
        warn('admin_api.http_listen is now admin_api.host + admin_api.port; the sentinel\'s admin API now needs admin_api.token (or JANUS_SENTINEL_ADMIN_TOKEN) and its routes are /info, /maintenance, /drain, /restart');
      } else section(out, name)[key] = value;
    }
  }
  return { config: out, warnings };
}
