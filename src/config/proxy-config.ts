/**
 * The proxy's effective configuration: the YAML file (the original janus-cloud's is migrated, with
 * a warning per renamed key) → environment overrides (JANUS_PROXY__…) → command-line flags →
 * schema with defaults → frozen.
 */
import { isJsonObject, type JsonObject } from '../protocol/messages.js';
import { parseProxyConfig, readConfigFile } from './load.js';
import { applyEnvOverrides } from './env.js';
import { isLegacyProxyConfig, migrateLegacyProxyConfig } from './legacy-proxy.js';
import type { ProxyConfig } from './schema.js';

export const PROXY_ENV_PREFIX = 'JANUS_PROXY';

export interface LoadedProxyConfig {
  config: ProxyConfig;
  warnings: string[];
}

export function loadProxyConfig(file: string | undefined, applyFlags: (config: JsonObject) => JsonObject, env: NodeJS.ProcessEnv): LoadedProxyConfig {
  const warnings: string[] = [];
  let raw: unknown = file ? readConfigFile(file) : {};
  if (isJsonObject(raw) && isLegacyProxyConfig(raw)) {
    const migrated = migrateLegacyProxyConfig(raw);
    raw = migrated.config;
    warnings.push(...migrated.warnings.map((w) => `${file ?? 'config'}: ${w}`));
  }
  const { config: withEnv, applied } = applyEnvOverrides(raw, PROXY_ENV_PREFIX, env);
  if (applied.length > 0) warnings.push(`environment overrides: ${applied.join(', ')}`);
  return { config: parseProxyConfig(applyFlags(withEnv)), warnings };
}

/** The effective config as text, secrets masked (for --check-config). */
export function describeConfig(config: ProxyConfig): string {
  const SECRET = new Set(['api_secret', 'token', 'sentinel_tokens', 'backend_room_secret', 'admin_key', 'sentinel_token']);
  return JSON.stringify(config, (key, value: unknown) => (SECRET.has(key) && value !== undefined ? '***' : value), 2);
}
