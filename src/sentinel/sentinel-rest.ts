/** Connects the REST API to a sentinel: maps its operations and their failures to REST answers. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { NotSupervisedError } from './janus-process.js';
import { RestError } from './rest-errors.js';
import { startRestApi, type SentinelControl } from './rest.js';
import type { Sentinel } from './sentinel.js';
import { sentinelMetrics } from './metrics.js';

export interface SentinelRest {
  url: string;
  close(): Promise<void>;
}

function control(sentinel: Sentinel, logger: Logger): SentinelControl {
  const refuseWhileStopping = (): void => {
    if (sentinel.isStopping) throw new RestError('shutting_down');
  };
  const registry = sentinelMetrics(() => sentinel.info());
  return {
    info: () => sentinel.info(),
    recordings: () => sentinel.recordings,
    metrics: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
    setMaintenance(enabled) {
      refuseWhileStopping();
      sentinel.setMaintenance(enabled);
      return Promise.resolve();
    },
    async drain(enabled, timeoutMs) {
      refuseWhileStopping();
      if (!enabled) {
        await sentinel.undrain();
        return;
      }
      // Answer at once; the drain goes on in the background and shows in /info and the reports.
      sentinel.drain(timeoutMs).catch((err: unknown) => { logger.error({ err }, 'drain failed'); });
    },
    async restart() {
      refuseWhileStopping();
      try {
        await sentinel.restartJanus();
      } catch (err) {
        if (err instanceof NotSupervisedError) throw new RestError('not_supervised');
        throw err;
      }
    },
  };
}

export async function startSentinelRest(
  sentinel: Sentinel,
  options: { host: string; port: number; token: string; logger: Logger },
): Promise<SentinelRest> {
  const { app, url }: { app: FastifyInstance; url: string } = await startRestApi(control(sentinel, options.logger), options);
  return { url, close: () => app.close() };
}
