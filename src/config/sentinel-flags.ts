/** Command-line flags of `janus-sentinel`. */
export const SENTINEL_USAGE = `Usage: janus-sentinel [options]

  -c, --config FILE      YAML configuration file (see conf/janus-sentinel.yml)
      --log-level LEVEL  trace, debug, info, warn, error, fatal or silent (overrides log.level)
      --check-config     print the effective configuration (secrets hidden) and exit
  -h, --help             show this help

Secrets may also come from the environment: JANUS_SENTINEL_ADMIN_TOKEN (admin_api.token),
JANUS_SENTINEL_API_SECRET, JANUS_SENTINEL_ADMIN_SECRET (janus.*), JANUS_SENTINEL_ROOM_SECRET
(sweeper.room_secret).

SIGTERM or SIGINT: drain Janus (no new sessions, wait for the handles to end, up to
drain.timeout_ms), stop it, report it down to every proxy and exit. A second signal ends the
wait at once.
`;

export const SENTINEL_OPTIONS = {
  config: { type: 'string', short: 'c' },
  'log-level': { type: 'string' },
  'check-config': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Puts --log-level over the file's log.level (the schema then validates it). */
export function applySentinelFlags(fileConfig: unknown, flags: { 'log-level'?: string | undefined }): unknown {
  if (flags['log-level'] === undefined) return fileConfig;
  const config = typeof fileConfig === 'object' && fileConfig !== null && !Array.isArray(fileConfig) ? { ...fileConfig } as Record<string, unknown> : {};
  const log = config.log;
  config.log = { ...(typeof log === 'object' && log !== null ? log : {}), level: flags['log-level'] };
  return config;
}
