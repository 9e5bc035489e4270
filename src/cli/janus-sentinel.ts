#!/usr/bin/env node
/** `janus-sentinel`: supervise one Janus, measure it and report it to the proxies. */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError } from '../config/load.js';
import { applySentinelEnv, parseSentinelConfig, readSentinelConfigFile, redactedSentinelConfig } from '../config/sentinel-load.js';
import type { SentinelConfig } from '../config/sentinel-schema.js';
import { startSentinel } from '../sentinel/sentinel.js';
import { applySentinelFlags, SENTINEL_OPTIONS, SENTINEL_USAGE } from '../config/sentinel-flags.js';
import { KEEP_RUNNING, runCommand } from './run-command.js';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: SENTINEL_OPTIONS, strict: true });
  } catch (err) {
    process.stderr.write(`janus-sentinel: ${err instanceof Error ? err.message : String(err)}\n${SENTINEL_USAGE}`);
    return 2;
  }
  const flags = args.values;
  if (flags.help) {
    process.stdout.write(SENTINEL_USAGE);
    return 0;
  }
  let config: SentinelConfig;
  try {
    const { raw: fromFile, warnings } = readSentinelConfigFile(flags.config);
    // Before validation, so that a migrated file that still lacks something says why.
    for (const warning of warnings) process.stderr.write(`janus-sentinel: warning: ${warning}\n`);
    config = parseSentinelConfig(applySentinelEnv(applySentinelFlags(fromFile, flags), process.env));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`janus-sentinel: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (flags['check-config']) {
    process.stdout.write(`${redactedSentinelConfig(config)}\n`);
    return 0;
  }
  const logger = pino({ level: config.log.level, redact: ['*.token', '*.api_secret', '*.admin_secret', '*.apisecret', '*.room_secret'] });
  const sentinel = await startSentinel(config, logger);
  let signals = 0;
  const shutdown = (signal: string): void => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: not waiting for sessions any longer');
      sentinel.hurry();
      return;
    }
    logger.info({ signal }, 'shutting down');
    sentinel.stop().then(() => process.exit(0), (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGINT', () => { shutdown('SIGINT'); });
  process.on('SIGTERM', () => { shutdown('SIGTERM'); });
  return KEEP_RUNNING;
}

runCommand('janus-sentinel', main);
