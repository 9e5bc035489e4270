/**
 * `janus-proxy --workers N`: every core of a proxy host. The primary process forks N workers; each
 * is a whole proxy (its own proxy id, its own backend connections), and node:cluster lets them share
 * the listening ports, so connections spread over them. They share one cluster state through Redis:
 * a session lives on the worker that created it; a `claim` on another worker takes it over, and
 * HTTP requests reaching the wrong worker are forwarded, exactly as between proxy hosts.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { answerWorkersMetrics } from '../metrics/workers-metrics.js';

/** Set in a worker's environment: its number, 1 to N. */
export const WORKER_ENV = 'JANUS_PROXY_WORKER';
const RESPAWN_DELAY_MS = 1_000;
const STOP_TIMEOUT_MS = 30_000;

/** This process's worker number, or undefined when it is not a worker. */
export function workerNumber(): number | undefined {
  const value = cluster.isWorker ? Number(process.env[WORKER_ENV]) : NaN;
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * Runs the primary: forks `count` workers, forks a worker again when one dies unexpectedly, and on
 * SIGTERM/SIGINT passes the signal on and resolves with 0 once every worker has exited.
 */
export function runPrimary(count: number, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const live = new Map<Worker, number>();
    const fork = (n: number): void => {
      const worker = cluster.fork({ [WORKER_ENV]: String(n) });
      live.set(worker, n);
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        if (stopping) {
          if (live.size === 0) resolve(0);
          return;
        }
        logger.error({ worker: n, code, signal }, 'proxy worker died, starting it again');
        setTimeout(() => { if (!stopping) fork(n); }, RESPAWN_DELAY_MS).unref();
      });
    };
    answerWorkersMetrics();
    for (let n = 1; n <= count; n++) fork(n);
    logger.info({ workers: count }, 'proxy workers started');
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping the proxy workers');
      if (live.size === 0) resolve(0);
      for (const worker of live.keys()) worker.process.kill(signal);
      setTimeout(() => {
        for (const worker of live.keys()) worker.process.kill('SIGKILL');
      }, STOP_TIMEOUT_MS).unref();
    };
    process.once('SIGTERM', () => { stop('SIGTERM'); });
    process.once('SIGINT', () => { stop('SIGINT'); });
  });
}
