/**
 * The proxy's Prometheus metrics (prom-client), on a registry of its own so several proxies can
 * share a process in tests. Counters are updated where things happen, except the per-request ones
 * (request-stats.ts); gauges are read from the live objects when Prometheus scrapes, so they cost
 * nothing on the hot path.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestStats } from './request-stats.js';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Cluster } from '../cluster/cluster.js';
import type { Sessions } from '../core/sessions.js';
import type { RequestObserver } from '../core/request-observer.js';
import type { SelectionResult } from '../cluster/selection.js';

const LATENCY_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STATUSES = ['up', 'down', 'maintenance', 'draining', 'overloaded'] as const;
const BREAKER_STATES = ['closed', 'half_open', 'open'] as const;
/** Of the process-level metrics prom-client collects (CPU, memory, event loop, GC). */
const METRIC_PREFIX = 'janus_cloud_proxy_';

export class ProxyMetrics implements RequestObserver {
  readonly registry = new Registry();
  private readonly requestStats: RequestStats;
  private readonly placements: Counter<'plugin' | 'backend'>;
  private readonly rejections: Counter<'plugin'>;
  private readonly reclaims: Counter;
  private readonly roomLayouts: Counter<'op' | 'ran'>;
  private readonly loopDelay: IntervalHistogram;

  /** Which proxy process these figures are from: its id (new at every start) and, with --workers, its worker number. */
  identify(proxyId: string, worker: number | undefined): void {
    const labels = worker === undefined ? { proxy: proxyId } : { proxy: proxyId, worker: String(worker) };
    if (worker !== undefined) this.labelAsWorker(worker);
    new Gauge({ name: 'janus_cloud_proxy_info', help: 'The proxy process these figures are from (1)', labelNames: Object.keys(labels), registers: [this.registry] }).set(labels, 1);
  }

  /**
   * Every series of a worker says which, so a scrape can return all workers' (workers-metrics.ts).
   * prom-client leaves the process start time out of such an aggregate; here each worker keeps its own.
   */
  private labelAsWorker(worker: number): void {
    this.registry.setDefaultLabels({ worker: String(worker) });
    const name = `${METRIC_PREFIX}process_start_time_seconds`;
    this.registry.removeSingleMetric(name);
    const startedS = Math.round(Date.now() / 1000 - process.uptime());
    new Gauge({ name, help: 'When this process started, in seconds since the Unix epoch', registers: [this.registry], aggregator: 'first' }).set(startedS);
  }

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    this.requestStats = new RequestStats(this.registry, LATENCY_BUCKETS_S);
    this.placements = new Counter({ name: 'janus_cloud_placements_total', help: 'Handles placed, by plugin and backend', labelNames: ['plugin', 'backend'], registers });
    this.rejections = new Counter({ name: 'janus_cloud_placement_failures_total', help: 'Placements that found no eligible backend, by plugin', labelNames: ['plugin'], registers });
    this.reclaims = new Counter({ name: 'janus_cloud_session_claims_total', help: 'Sessions claimed (moved to another connection)', registers });
    this.roomLayouts = new Counter({
      name: 'janus_cloud_videoroom_layout_changes_total',
      help: 'VideoRoom layout changes by command: ran here (this proxy owns the room) or asked of the owner proxy over the bus',
      labelNames: ['op', 'ran'], registers,
    });
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
    const loopDelay = this.loopDelay;
    new Gauge({
      name: 'janus_cloud_event_loop_lag_seconds', help: 'Mean event-loop delay since the last scrape', registers,
      collect() {
        this.set(loopDelay.mean / 1e9);
        loopDelay.reset();
      },
    });
  }

  /** Gauges read from the running proxy at scrape time. */
  watch(sessions: Sessions, cluster: Cluster): void {
    const registers = [this.registry];
    new Gauge({ name: 'janus_cloud_sessions', help: 'Live client sessions', registers, collect() { this.set(sessions.size); } });
    new Gauge({ name: 'janus_cloud_handles', help: 'Live client handles', registers, collect() { this.set(sessions.handleCount()); } });
    const perBackend = (name: string, help: string, read: (b: ReturnType<Cluster['backends']['get']> & object) => number): void => {
      new Gauge({
        name, help, labelNames: ['backend'], registers,
        collect() {
          this.reset();
          for (const backend of cluster.backends.values()) this.set({ backend: backend.name }, read(backend));
        },
      });
    };
    perBackend('janus_cloud_backend_connected', '1 when the proxy has an open connection to the backend', (b) => (b.connected ? 1 : 0));
    perBackend('janus_cloud_backend_handles', 'Handles on the backend as last reported plus placements since', (b) => b.snapshot().handles);
    perBackend('janus_cloud_backend_sessions', 'Sessions on the backend as last reported plus sessions opened since', (b) => b.snapshot().sessions);
    perBackend('janus_cloud_backend_cpu_percent', 'CPU use of the backend Janus as last reported', (b) => b.record.cpu_percent ?? 0);
    new Gauge({
      name: 'janus_cloud_backend_status', help: '1 for the backend\'s current status', labelNames: ['backend', 'status'], registers,
      collect() {
        this.reset();
        for (const b of cluster.backends.values()) for (const s of STATUSES) this.set({ backend: b.name, status: s }, b.status === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'janus_cloud_backend_breaker_state', help: '1 for the state of the proxy\'s circuit breaker to the backend', labelNames: ['backend', 'state'], registers,
      collect() {
        this.reset();
        const now = Date.now();
        for (const b of cluster.backends.values()) for (const s of BREAKER_STATES) this.set({ backend: b.name, state: s }, b.breaker.state(now) === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'janus_cloud_backend_reconnects_total', help: 'Connections the proxy has (re)opened to the backend', labelNames: ['backend'], registers,
      collect() {
        this.reset();
        for (const b of cluster.backends.values()) this.set({ backend: b.name }, b.pool.connectionsOpened);
      },
    });
  }

  onReply(verb: string, errorCode: number | undefined, durationMs: number): void {
    this.requestStats.record(verb, errorCode === undefined ? 'ok' : String(errorCode), durationMs / 1000);
    if (verb === 'claim' && errorCode === undefined) this.reclaims.inc();
  }

  /** Requests answered since start and how many were errors (the dashboard's rate charts). */
  async requestTotals(): Promise<{ total: number; errors: number }> {
    let total = 0;
    let errors = 0;
    for (const { value, labels } of (await this.requestStats.requests.get()).values) {
      total += value;
      if (labels.result !== 'ok') errors += value;
    }
    return { total, errors };
  }

  onRoomLayout(op: string, ran: 'here' | 'owner'): void {
    this.roomLayouts.inc({ op, ran });
  }

  onPlacement(plugin: string, result: SelectionResult): void {
    if (result.chosen === undefined) this.rejections.inc({ plugin });
    else this.placements.inc({ plugin, backend: result.chosen });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  stop(): void {
    this.loopDelay.disable();
  }
}
