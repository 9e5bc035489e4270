/**
 * Loading the sentinel config: YAML file (the original janus-cloud's is migrated, with a warning per
 * renamed key) → environment overrides → schema with defaults → frozen. Errors name each bad key by
 * its path, like the proxy's loader (whose file reading it reuses).
 */
import { isJsonObject } from '../protocol/messages.js';
import { ConfigError, deepFreeze, formatIssue, readConfigFile } from './load.js';
import { isLegacySentinelConfig, migrateLegacySentinelConfig } from './legacy-sentinel.js';
import { sentinelConfigSchema, type SentinelConfig } from './sentinel-schema.js';

/** Secrets may come from the environment so they need not sit in the YAML file. */
export const SENTINEL_ENV_OVERRIDES: readonly { env: string; path: readonly [string, string] }[] = [
  { env: 'JANUS_SENTINEL_ADMIN_TOKEN', path: ['admin_api', 'token'] },
  { env: 'JANUS_SENTINEL_API_SECRET', path: ['janus', 'api_secret'] },
  { env: 'JANUS_SENTINEL_ADMIN_SECRET', path: ['janus', 'admin_secret'] },
  { env: 'JANUS_SENTINEL_ROOM_SECRET', path: ['sweeper', 'room_secret'] },
];

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `input` with the set environment variables written over their keys. */
export function applySentinelEnv(input: unknown, env: NodeJS.ProcessEnv): unknown {
  if (input !== undefined && input !== null && !isPlain(input)) return input; // let the schema report it
  const config: Plain = { ...(input ?? {}) };
  for (const { env: name, path } of SENTINEL_ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const [section, key] = path;
    const existing = config[section];
    config[section] = { ...(isPlain(existing) ? existing : {}), [key]: value };
  }
  return config;
}

/**
 * The file's content ({} without a file); an original janus-cloud `janus-sentinel.yml` comes back
 * migrated, with one warning per renamed or ignored key (prefixed with the file name).
 */
export function readSentinelConfigFile(file: string | undefined): { raw: unknown; warnings: string[] } {
  const raw = file ? readConfigFile(file) : {};
  if (!isJsonObject(raw) || !isLegacySentinelConfig(raw)) return { raw, warnings: [] };
  const migrated = migrateLegacySentinelConfig(raw);
  return { raw: migrated.config, warnings: migrated.warnings.map((w) => `${file ?? 'config'}: ${w}`) };
}

/** Validates a plain object (after env overrides); the error lists each bad key by its path. */
export function parseSentinelConfig(input: unknown): SentinelConfig {
  const result = sentinelConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n${result.error.issues.map(formatIssue).join('\n')}`);
  }
  return deepFreeze(result.data);
}

const SECRET_KEYS = new Set(['token', 'api_secret', 'admin_secret', 'room_secret', 'admin_key']);

/** A URL's password (redis://user:pass@host) replaced by ***. */
function withoutPassword(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** The config as JSON with every secret replaced by ***, for --check-config and logs. */
export function redactedSentinelConfig(config: SentinelConfig): string {
  return JSON.stringify(config, (key, value: unknown) => {
    if (SECRET_KEYS.has(key)) return '***';
    return key === 'url' && typeof value === 'string' ? withoutPassword(value) : value;
  }, 2);
}
