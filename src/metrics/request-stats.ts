/**
 * The per-request metrics (answers by verb and result, latency by verb) kept in plain numbers and
 * handed to prom-client when Prometheus scrapes. prom-client validates and hashes the label set on
 * every inc() and observe(); on the proxy's per-message path that cost more than all the rest of
 * its own bookkeeping (about 1.5 µs per echotest message).
 */
import { Counter, Histogram, type Registry } from 'prom-client';

interface Tally {
  verb: string;
  result: string;
  /** Answers since the last scrape, not yet in the prom-client counter. */
  unreported: number;
}

interface Latencies {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

interface Sample {
  labels: Record<string, string | number>;
  /** Always empty; prom-client's Histogram.get() (getMetricsAsJSON, the --workers aggregation) reads it. */
  sharedLabels: Record<string, never>;
  value: number;
  metricName: string;
}

/**
 * A histogram whose buckets are counted outside prom-client. The registry renders a metric from its
 * getForPromString() when it has one, as prom-client's own histograms do (get() builds on it too),
 * so this one renders like any other.
 */
class PrecountedHistogram extends Histogram {
  constructor(
    private readonly metricName: string,
    private readonly helpText: string,
    private readonly bounds: readonly number[],
    private readonly series: ReadonlyMap<string, Latencies>,
    registry: Registry,
  ) {
    super({ name: metricName, help: helpText, labelNames: ['verb'], buckets: [...bounds], registers: [registry] });
  }

  getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const values: Sample[] = [];
    const bucketName = `${this.metricName}_bucket`;
    for (const [verb, { buckets, sum, count }] of this.series) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += buckets[i] ?? 0;
        values.push({ labels: { le, verb }, sharedLabels: {}, value: cumulative, metricName: bucketName });
      });
      values.push({ labels: { le: '+Inf', verb }, sharedLabels: {}, value: count, metricName: bucketName });
      values.push({ labels: { verb }, sharedLabels: {}, value: sum, metricName: `${this.metricName}_sum` });
      values.push({ labels: { verb }, sharedLabels: {}, value: count, metricName: `${this.metricName}_count` });
    }
    return Promise.resolve({ name: this.metricName, help: this.helpText, type: 'histogram', aggregator: 'sum', values });
  }
}

/** Everything counted for one verb: found with one lookup per answer (an `ok` needs no second one). */
interface VerbStats {
  ok: Tally;
  /** result (a Janus error code) → tally; `ok` included, for the scrape. */
  byResult: Map<string, Tally>;
  latencies: Latencies;
}

export class RequestStats {
  /** verb → result → tally. */
  private readonly tallies = new Map<string, Map<string, Tally>>();
  private readonly latencies = new Map<string, Latencies>();
  private readonly verbs = new Map<string, VerbStats>();
  /** Up to date whenever read (its collect() adds what is unreported). */
  readonly requests: Counter<'verb' | 'result'>;

  constructor(registry: Registry, private readonly bounds: readonly number[]) {
    const tallies = this.tallies;
    this.requests = new Counter({
      name: 'janus_cloud_requests_total', help: 'Janus API requests answered, by verb and result (ok or the Janus error code)',
      labelNames: ['verb', 'result'], registers: [registry],
      collect() {
        for (const byResult of tallies.values()) {
          for (const tally of byResult.values()) {
            if (tally.unreported === 0) continue;
            this.inc({ verb: tally.verb, result: tally.result }, tally.unreported);
            tally.unreported = 0;
          }
        }
      },
    });
    new PrecountedHistogram(
      'janus_cloud_request_duration_seconds', 'Time from a request to its reply, by verb (includes the backend for relayed verbs)',
      bounds, this.latencies, registry,
    );
  }

  record(verb: string, result: string, seconds: number): void {
    // One lookup by verb; no key string is built per answer.
    const stats = this.verbs.get(verb) ?? this.addVerb(verb);
    let tally = result === 'ok' ? stats.ok : stats.byResult.get(result);
    if (!tally) {
      tally = { verb, result, unreported: 0 };
      stats.byResult.set(result, tally);
    }
    tally.unreported++;
    const latencies = stats.latencies;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] as number)) i++;
    latencies.buckets[i] = (latencies.buckets[i] as number) + 1;
    latencies.sum += seconds;
    latencies.count++;
  }

  private addVerb(verb: string): VerbStats {
    const ok: Tally = { verb, result: 'ok', unreported: 0 };
    const stats: VerbStats = { ok, byResult: new Map([['ok', ok]]), latencies: { buckets: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 } };
    this.verbs.set(verb, stats);
    this.tallies.set(verb, stats.byResult);
    this.latencies.set(verb, stats.latencies);
    return stats;
  }
}
