#!/bin/sh
//bin/true; exec node --single-threaded-gc --no-allocation-site-pretenuring "$0" "$@"
// ^ sh runs /bin/true, then node with the runtime flags of runtime-flags.ts (BusyBox env has no -S); to node a comment.
/** `janus-proxy`: start the Janus Cloud signalling proxy. */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load.js';
import { describeConfig, loadProxyConfig } from '../config/proxy-config.js';
import { createLogger } from '../logging.js';
import { startProxy } from '../proxy.js';
import { applyFlags, PROXY_OPTIONS, USAGE, workerCount } from './proxy-flags.js';
import { runPrimary, workerNumber } from './workers.js';
import { KEEP_RUNNING, runCommand } from './run-command.js';
import { gcMode } from './runtime-flags.js';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: PROXY_OPTIONS, strict: true });
  } catch (err) {
    process.stderr.write(`janus-proxy: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const flags = args.values;
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let loaded;
  try {
    loaded = loadProxyConfig(flags.config, (fromFile) => applyFlags(fromFile, flags), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`janus-proxy: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { config, warnings } = loaded;
  for (const warning of warnings) process.stderr.write(`janus-proxy: warning: ${warning}\n`);
  if (flags['check-config']) {
    process.stdout.write(`${describeConfig(config)}\n`);
    return 0;
  }
  const workers = workerCount(flags.workers);
  if (workers === undefined) {
    process.stderr.write(`janus-proxy: --workers takes a whole number from 1 to 64\n`);
    return 2;
  }
  if (workers > 1 && config.store.type !== 'redis') {
    process.stderr.write('janus-proxy: --workers needs store.type redis: the workers share their sessions and rooms through it\n');
    return 2;
  }
  const base = createLogger({ level: config.log.level, name: 'janus-proxy' });
  const worker = workerNumber();
  if (workers > 1 && worker === undefined) return runPrimary(workers, base);
  const logger = worker === undefined ? base : base.child({ worker });
  // Started as `node dist/cli/janus-proxy.js` rather than through its sh preamble or the shipped unit.
  if (gcMode() === 'parallel') logger.info('running without --single-threaded-gc: more CPU per message when cores are shared (README, Quick start)');
  const proxy = await startProxy(config, logger, { worker });
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    // SIGTERM drains first (clients get shutdown.grace_s to be told, then reconnect elsewhere).
    const drained = signal === 'SIGTERM' ? proxy.drain() : Promise.resolve();
    drained.then(() => proxy.stop()).then(() => process.exit(0), (err: unknown) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.once('SIGINT', () => { shutdown('SIGINT'); });
  process.once('SIGTERM', () => { shutdown('SIGTERM'); });
  // A worker whose primary died (SIGKILL) stops too, rather than serving on unsupervised.
  if (worker !== undefined) process.once('disconnect', () => { shutdown('primary gone'); });
  return KEEP_RUNNING;
}

runCommand('janus-proxy', main);
