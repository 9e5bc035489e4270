/**
 * The sentinel, assembled: supervise (or watch) Janus, check its liveness, sample its load, derive
 * one status, report it to every sink, drain on request or shutdown, recycle a Janus short of file
 * descriptors, sweep idle rooms, and serve the REST API. `startSentinel` returns a running one;
 * `stop()` drains, reports `down` and exits.
 */
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { ServerReport, ServerStatus } from '../protocol/server-record.js';
import type { SentinelConfig } from '../config/sentinel-schema.js';
import { AdminClient } from './admin-client.js';
import { Drainer, type DrainResult } from './drain.js';
import { resolveIdentity, type Identity } from './identity.js';
import { JanusProcess, NotSupervisedError } from './janus-process.js';
import type { JanusInfo } from './janus-info.js';
import { LivenessMonitor } from './liveness.js';
import { LoadSampler, type LoadSample } from './load.js';
import { Recycler } from './recycler.js';
import { ProxySink, StoreSink, type ReportSink } from './report-sinks.js';
import { openConfiguredStores, type StoreSinkSpec } from './store-sinks.js';
import { Reporter } from './reporter.js';
import { buildReport } from './sentinel-report.js';
import { SessionCounter } from './session-counts.js';
import { Signal } from '../signal.js';
import { StatusTracker } from './status.js';
import { RoomSweeper, type SweepResult } from './sweeper.js';
import { createRecordingIndex, type RecordingIndex } from './recordings/recording-index.js';
import { sentinelInfo, type SentinelInfo } from './sentinel-info.js';
import { startSentinelRest, type SentinelRest } from './sentinel-rest.js';

export interface SentinelDeps {
  /** Report sinks that write into a server store (the Redis registry from `report.redis`). */
  stores?: readonly StoreSinkSpec[];
  /** Called at the very end of stop(), after the last report: closes those stores. */
  closeStores?: () => Promise<void>;
}

/** Extra time for the last report beyond one HTTP timeout, so a slow proxy still gets `down`. */
const FINAL_REPORT_GRACE_MS = 500;

export class Sentinel {
  readonly identity: Identity;
  /** Every status change, after it has been handed to the reporter. */
  readonly statusChanged: Signal<ServerStatus>;
  readonly process: JanusProcess;
  readonly reporter: Reporter;
  private readonly tracker: StatusTracker;
  private readonly liveness: LivenessMonitor;
  private readonly admin: AdminClient | undefined;
  private readonly load: LoadSampler;
  private readonly drainer: Drainer;
  private readonly recycler: Recycler;
  private readonly sweeper: RoomSweeper | undefined;
  /** This Janus's recordings, when `recordings.enabled`. */
  readonly recordings: RecordingIndex | undefined;
  private readonly ownSessions = new Set<number>();
  private janusInfo: JanusInfo | undefined;
  private rest: SentinelRest | undefined;
  private stopping: Promise<void> | undefined;
  private readonly logger: Logger;
  private readonly closeStores: (() => Promise<void>) | undefined;

  constructor(readonly config: SentinelConfig, parentLogger: Logger, deps: SentinelDeps = {}) {
    this.closeStores = deps.closeStores;
    const { janus, monitor } = config;
    this.identity = resolveIdentity(janus);
    const logger = parentLogger.child({ server: this.identity.name });
    this.logger = logger;
    const report = (err: unknown): void => { logger.error({ err }, 'sentinel listener failed'); };
    this.statusChanged = new Signal(report);
    this.process = new JanusProcess(config.process, monitor.ping_interval_ms, logger);
    this.liveness = new LivenessMonitor({
      wsUrl: janus.ws_url, pingIntervalMs: monitor.ping_interval_ms, pingTimeoutMs: monitor.ping_timeout_ms,
      overloadRttMs: monitor.overload_rtt_ms, logger,
    });
    this.admin = janus.admin_ws_url === undefined ? undefined
      : new AdminClient({ url: janus.admin_ws_url, adminSecret: janus.admin_secret, requestTimeoutMs: monitor.request_timeout_ms, logger });
    const counter = this.admin && new SessionCounter(this.admin, monitor.max_sessions_per_sample, this.ownSessions);
    this.load = new LoadSampler({
      counter, pid: () => this.process.view().pid, networkInterfaces: monitor.network_interfaces, intervalMs: monitor.load_interval_ms, logger,
      capacity: {
        maxSessions: janus.capacity.max_sessions, maxHandles: janus.capacity.max_handles,
        maxBandwidthBps: janus.capacity.max_bandwidth_bps, maxCpuPercent: janus.capacity.max_cpu_percent ?? 100 * availableParallelism(),
      },
    });
    this.tracker = new StatusTracker(
      { process: this.process.view().state, liveness: 'unknown', maintenance: false, lifecycle: 'serving', atCapacity: false }, report,
    );
    this.drainer = new Drainer({
      admin: this.admin, counter, stopJanus: this.process.stopJanus, pollIntervalMs: config.drain.poll_interval_ms, logger,
      setDraining: (draining) => { this.tracker.update({ lifecycle: draining ? 'draining' : 'serving' }); },
      janusAlive: () => this.janusAlive(),
    });
    this.recycler = new Recycler({
      thresholdPercent: config.recycle.fd_percent, minIntervalMs: config.recycle.min_interval_ms,
      supervised: this.process.mode === 'supervised', drainTimeoutMs: config.drain.timeout_ms,
      ready: () => this.process.view().state === 'running' && this.janusAlive() && this.drainer.phase === 'idle' && !this.isStopping,
      drain: (timeoutMs) => this.drainer.drain(timeoutMs),
      restart: () => this.restartJanus(),
      stopping: () => this.isStopping,
      logger,
    });
    this.sweeper = config.sweeper.enabled ? this.createSweeper() : undefined;
    const admin = this.admin;
    this.recordings = createRecordingIndex(config.recordings, logger, () => this.process.view().pid, admin && ((plugin, request) => admin.messagePlugin(plugin, request)));
    this.reporter = new Reporter(this.createSinks(deps), { intervalMs: config.report.interval_ms, logger });
    this.wire();
  }

  get status(): ServerStatus {
    return this.tracker.status;
  }

  /** The report as it would be sent now. */
  currentReport(): ServerReport {
    const { janus } = this.config;
    return buildReport({
      identity: this.identity, status: this.tracker.status, janus: this.janusInfo, load: this.load.latest,
      startTimeMs: this.process.view().startedAtMs, sentinelUrl: this.config.admin_api.public_url ?? this.rest?.url, expireS: this.config.report.expire_s,
      labels: { location: janus.location, isp: janus.isp, region: janus.region },
      adminUrl: janus.admin_ws_url,
      capacity: { max_sessions: janus.capacity.max_sessions, max_handles: janus.capacity.max_handles, max_bandwidth_bps: janus.capacity.max_bandwidth_bps },
    });
  }

  info(): SentinelInfo {
    return sentinelInfo({
      identity: this.identity, status: this.tracker.status, inputs: this.tracker.inputs, drain: this.drainer.phase,
      process: this.process.view(), rttMs: this.liveness.lastRttMs, janus: this.janusInfo, load: this.load.latest,
      reporting: this.reporter.targetStates, recycle: this.recycler.info(),
    });
  }

  get restUrl(): string | undefined {
    return this.rest?.url;
  }

  async start(): Promise<void> {
    this.process.start();
    this.liveness.start();
    this.load.start();
    this.sweeper?.start();
    this.recordings?.start();
    // Report once liveness has an answer, so a sentinel restart does not flash `down` for a healthy Janus.
    await this.firstLivenessVerdict(this.config.monitor.ping_timeout_ms * 2);
    this.reporter.start(() => this.currentReport());
    const api = this.config.admin_api;
    if (api.enabled && api.token !== undefined) {
      this.rest = await startSentinelRest(this, { host: api.host, port: api.port, token: api.token, logger: this.logger });
    }
    this.logger.info({ name: this.identity.name, url: this.identity.publicUrl, mode: this.process.mode }, 'sentinel started');
  }

  setMaintenance(enabled: boolean): void {
    this.tracker.update({ maintenance: enabled });
  }

  /** The operator's drain; during a recycle it joins that drain, and Janus then stays stopped. */
  drain(timeoutMs = this.config.drain.timeout_ms): Promise<DrainResult> {
    this.recycler.operatorDrain();
    return this.drainer.drain(timeoutMs);
  }

  /** Back into service after a drain: accept sessions again, and start Janus if the drain stopped it. */
  async undrain(): Promise<void> {
    await this.drainer.undrain();
    if (this.process.mode === 'supervised' && this.process.view().state === 'stopped') this.process.start();
  }

  /** Graceful restart of a supervised Janus; also ends a drain. Throws NotSupervisedError otherwise. */
  async restartJanus(): Promise<void> {
    if (this.process.mode !== 'supervised') throw new NotSupervisedError('Janus is not run by this sentinel');
    this.drainer.cancel(); // the new Janus accepts sessions from the start
    await this.process.restart();
  }

  /** One sweep now; `nowMs` lets a test stand at a later time instead of waiting for it. */
  sweepRooms(nowMs = Date.now()): Promise<SweepResult> {
    if (!this.sweeper) return Promise.resolve({ destroyed: [], idle: [] });
    return this.sweeper.sweepOnce(nowMs);
  }

  sampleLoad(): Promise<LoadSample> {
    return this.load.sampleNow();
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Drains (if configured and Janus is ours), stops Janus, reports `down` to every sink, closes. */
  stop(options: { drain?: boolean } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.drain ?? this.config.drain.on_stop);
    return this.stopping;
  }

  /** Stop waiting for sessions to end: a drain under way (e.g. from stop()) goes on to stop Janus now. */
  hurry(): void {
    this.drainer.cutShort();
  }

  private async shutdown(drain: boolean): Promise<void> {
    this.logger.info({ drain }, 'sentinel stopping');
    await this.sweeper?.stop();
    await this.recordings?.stop();
    if (drain && this.process.mode === 'supervised' && this.janusAlive()) await this.drainer.drain(this.config.drain.timeout_ms);
    // A drain under way (a recycle's) stops waiting for handles and ends now, not after this stop.
    else if (this.drainer.phase === 'draining') this.drainer.cutShort();
    await this.recycler.settled();
    await this.process.close();
    this.tracker.update({ lifecycle: 'leaving' });
    this.liveness.stop();
    this.load.stop();
    const seq = this.reporter.publish(this.currentReport());
    const missed = await this.reporter.flush(seq, this.config.report.timeout_ms + FINAL_REPORT_GRACE_MS);
    if (missed.length > 0) this.logger.warn({ missed }, 'the final report did not reach every target');
    this.reporter.stop();
    await this.rest?.close();
    this.admin?.close();
    await this.closeStores?.();
    this.logger.info('sentinel stopped');
  }

  private firstLivenessVerdict(timeoutMs: number): Promise<void> {
    if (this.liveness.state !== 'unknown') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const off = this.liveness.changed.on(done);
      function done(): void {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }

  private janusAlive(): boolean {
    return this.liveness.state === 'alive' || this.liveness.state === 'slow';
  }

  private wire(): void {
    this.tracker.changed.on(({ status, previous, inputs }) => {
      this.logger.info({ status, previous, inputs }, 'status changed');
      this.reporter.publish(this.currentReport());
      this.statusChanged.emit(status);
    });
    this.process.changed.on((view) => { this.tracker.update({ process: view.state }); });
    this.process.spawned.on(() => { this.load.restarted(); });
    this.liveness.changed.on((liveness) => {
      this.tracker.update({ liveness });
      // Fresh figures as soon as Janus answers (again), rather than at the next sampling tick.
      if (liveness === 'alive' && !this.isStopping) void this.load.sampleNow();
    });
    this.liveness.infoReceived.on((info) => { this.janusInfo = info; });
    let lastCounts = '';
    this.load.sampled.on((sample) => {
      this.tracker.update({ atCapacity: (sample.load_score ?? 0) >= 1 });
      // Session and handle counts are worth an immediate report; CPU and traffic wait for the next one.
      const counts = `${String(sample.sessions)}/${String(sample.handles)}`;
      if (counts !== lastCounts && !this.isStopping) this.reporter.publish(this.currentReport());
      lastCounts = counts;
      if (!this.isStopping) this.recycler.check(sample);
    });
  }

  private createSinks(deps: SentinelDeps): ReportSink[] {
    const { report } = this.config;
    const proxies = report.proxies.map((p) => new ProxySink(p.url, p.token, report.timeout_ms));
    const stores = (deps.stores ?? []).map((s) => new StoreSink(s.label, s.store));
    return [...proxies, ...stores];
  }

  private createSweeper(): RoomSweeper {
    const { janus, sweeper, monitor } = this.config;
    return new RoomSweeper({
      wsUrl: janus.ws_url, apiSecret: janus.api_secret, requestTimeoutMs: monitor.request_timeout_ms,
      intervalMs: sweeper.interval_ms, idleTimeoutMs: sweeper.idle_timeout_ms, marker: sweeper.description_marker,
      roomSecret: sweeper.room_secret, adminKey: sweeper.admin_key, plugins: sweeper.plugins, ownSessions: this.ownSessions, admin: this.admin,
      janusAlive: () => this.janusAlive(), loadedPlugins: () => this.janusInfo?.plugins ?? [], logger: this.logger,
    });
  }
}

/**
 * Starts a sentinel, with the Redis sink when `report.redis` is configured (unless `deps` brings
 * its own stores). Its `stop()` drains (per config), reports `down` everywhere and closes.
 */
export async function startSentinel(config: SentinelConfig, logger: Logger, deps: SentinelDeps = {}): Promise<Sentinel> {
  const opened = deps.stores ? undefined : await openConfiguredStores(config, logger);
  const sentinel = new Sentinel(config, logger, opened ? { stores: opened.stores, closeStores: opened.close } : deps);
  try {
    await sentinel.start();
  } catch (err) {
    await sentinel.stop({ drain: false });
    throw err;
  }
  return sentinel;
}
