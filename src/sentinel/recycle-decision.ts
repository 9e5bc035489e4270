/**
 * Whether to recycle (drain, then restart) Janus now because it runs short of file descriptors: a
 * pure function of the latest figures and the sentinel's state, so every case is tested directly.
 */
import { fdSharePercent } from './fd-usage.js';

export interface RecycleInputs {
  openFds: number | undefined;
  maxFds: number | undefined;
  /** `recycle.fd_percent`; 0 turns recycling (and its warning) off. */
  thresholdPercent: number;
  /** Only a Janus the sentinel started is its to stop and start again. */
  supervised: boolean;
  /** A recycle is already under way: nothing more to decide. */
  recycling: boolean;
  /** Janus runs and answers, no drain (an operator's) is under way, the sentinel is not stopping. */
  ready: boolean;
  lastRecycleAtMs: number | undefined;
  minIntervalMs: number;
  nowMs: number;
}

/**
 * `none`: off, unknown, below the threshold, or already recycling. `warn`: above it but not to be
 * recycled now — `not_supervised` (watch mode: someone else's Janus), `busy` (not ready: an operator's
 * drain, a restart, a shutdown), `too_soon` (within min_interval_ms of the last recycle: when fds stay
 * high after a restart it is real load, not a leak, and restarting again would only cut users off).
 */
export type RecycleDecision =
  | { action: 'none' }
  | { action: 'recycle'; percent: number }
  | { action: 'warn'; percent: number; why: 'not_supervised' | 'busy' | 'too_soon' };

export function decideRecycle(i: RecycleInputs): RecycleDecision {
  if (i.thresholdPercent <= 0 || i.openFds === undefined || i.recycling) return { action: 'none' };
  const percent = fdSharePercent(i.openFds, i.maxFds);
  if (percent === undefined || percent < i.thresholdPercent) return { action: 'none' };
  if (!i.supervised) return { action: 'warn', percent, why: 'not_supervised' };
  if (!i.ready) return { action: 'warn', percent, why: 'busy' };
  if (i.lastRecycleAtMs !== undefined && i.nowMs - i.lastRecycleAtMs < i.minIntervalMs) return { action: 'warn', percent, why: 'too_soon' };
  return { action: 'recycle', percent };
}
