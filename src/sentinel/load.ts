/**
 * Samples the local Janus's load every interval: sessions and handles from the Admin API, CPU,
 * memory, network and open file descriptors from /proc for the Janus pid. Figures that cannot be
 * had this time (no Admin API, no pid, Janus down) are left out rather than reported as zero.
 */
import type { Logger } from 'pino';
import { readFdUsage } from './fd-usage.js';
import { clockTicksPerSecond, MIN_RATE_SPAN_MS, ratesBetween, readProcSample, type ProcRates, type ProcSample } from './proc-stats.js';
import { loadScore, type Capacity, type LoadFigures } from './load-score.js';
import type { SessionCounter } from './session-counts.js';
import { Signal } from '../signal.js';

export interface LoadSample extends LoadFigures {
  load_score?: number | undefined;
  /** Janus's open file descriptors and its soft limit (for recycling; not part of the report). */
  open_fds?: number | undefined;
  max_fds?: number | undefined;
}

export interface LoadSamplerOptions {
  counter: SessionCounter | undefined;
  /** The Janus pid now, if known. */
  pid: () => number | undefined;
  networkInterfaces: readonly string[];
  capacity: Capacity;
  intervalMs: number;
  logger: Logger;
}

export class LoadSampler {
  readonly sampled: Signal<LoadSample>;
  private previousProc: ProcSample | undefined;
  /** The rates of the last span long enough to measure (see MIN_RATE_SPAN_MS). */
  private lastRates: ProcRates | undefined;
  private current: LoadSample = {};
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inFlight: Promise<LoadSample> | undefined;
  /** Counts Janus processes, so a sample that spans a restart can be told apart. */
  private processGeneration = 0;

  constructor(private readonly options: LoadSamplerOptions) {
    this.sampled = new Signal((err: unknown) => { options.logger.error({ err }, 'load listener failed'); });
  }

  get latest(): LoadSample {
    return this.current;
  }

  /** A new Janus process: it has no sessions yet, and CPU rates must not span the two processes. */
  restarted(): void {
    this.processGeneration++;
    this.previousProc = undefined;
    this.lastRates = undefined;
    this.current = this.options.counter ? { sessions: 0, handles: 0 } : {};
  }

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Takes a sample now (joining one already under way) and announces it. */
  sampleNow(): Promise<LoadSample> {
    this.inFlight ??= this.sample().finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.sampleNow().finally(() => { this.schedule(this.options.intervalMs); });
    }, delayMs);
  }

  private async sample(): Promise<LoadSample> {
    const generation = this.processGeneration;
    const proc = this.procFigures();
    const counts = await this.countFigures();
    // Janus restarted while the Admin API was asked: these are the old process's figures (its fds
    // would even start another recycle). Keep the fresh process's empty ones.
    if (generation !== this.processGeneration) return this.current;
    const figures: LoadSample = { ...proc, ...counts };
    figures.load_score = loadScore(figures, this.options.capacity);
    this.current = figures;
    this.sampled.emit(figures);
    return figures;
  }

  private async countFigures(): Promise<LoadFigures> {
    if (!this.options.counter) return {};
    try {
      const counts = await this.options.counter.count();
      if (counts.estimated) this.options.logger.debug(counts, 'handles estimated from part of the sessions');
      return { sessions: counts.sessions, handles: counts.handles };
    } catch (err) {
      this.options.logger.debug({ err }, 'Admin API sample failed');
      return {};
    }
  }

  private procFigures(): LoadSample {
    const pid = this.options.pid();
    const sample = pid === undefined ? undefined : readProcSample(pid, this.options.networkInterfaces, Date.now());
    const previous = this.previousProc;
    // A sample right after another (one asked for on demand) is too short a span to rate: it shows
    // the last span's rates, and the next sample measures from the earlier one.
    const tooSoon = previous !== undefined && sample !== undefined && previous.pid === sample.pid && sample.atMs - previous.atMs < MIN_RATE_SPAN_MS;
    if (!tooSoon) {
      this.previousProc = sample;
      this.lastRates = previous && sample ? ratesBetween(previous, sample, clockTicksPerSecond()) : undefined;
    }
    if (!sample) return {};
    const rates = this.lastRates;
    const fds = readFdUsage(sample.pid);
    return {
      open_fds: fds?.openFds,
      max_fds: fds?.maxFds,
      memory_bytes: sample.rssBytes,
      cpu_percent: rates?.cpuPercent,
      bandwidth_in_bps: rates?.rxBps,
      bandwidth_out_bps: rates?.txBps,
    };
  }
}
