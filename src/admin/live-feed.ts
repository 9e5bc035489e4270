/**
 * The dashboard's live channel: every second a sample of the proxy's totals and request rates goes
 * into a short history, and every subscribed stream (SSE) gets a cluster snapshot. A stream's first
 * snapshot carries the whole history, later ones only the new sample, so charts fill at once.
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import type { Sessions } from '../core/sessions.js';
import { backendView } from './views.js';
import type { DashboardBackend, DashboardDecision, DashboardRoom, DashboardSnapshot, RateSample } from './dashboard-types.js';

export const SAMPLE_INTERVAL_MS = 1_000;
/** Five minutes of one-second samples. */
const HISTORY_SAMPLES = 300;
const DECISIONS_SHOWN = 12;
/** A stream that has this much unsent data is too slow: it is closed and the browser reconnects. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const RECONNECT_DELAY_MS = 2_000;

/** What the live channel reads from the running proxy. */
export interface LiveSource {
  readonly sessions: Pick<Sessions, 'size' | 'handleCount' | 'get'>;
  /** Janus API requests answered since start, and how many of them were errors. */
  requestTotals(): Promise<{ total: number; errors: number }>;
  /** Rooms and the backends each spans, from a cluster-aware plugin; absent means none to show. */
  rooms?: (() => Promise<readonly DashboardRoom[]>) | undefined;
}

/** What a rooms provider needs of a stored room (the VideoRoom's RoomRecord has these). */
interface StoredRoom {
  id: string | number;
  description: string;
  backends: readonly string[];
  participants: Record<string, unknown>;
  owner?: string | undefined;
}

/** A rooms provider over a plugin's room store: each room with the backends it spans. */
export function storedRooms(plugin: string, store: { list(): Promise<readonly StoredRoom[]> }): () => Promise<DashboardRoom[]> {
  return async () => (await store.list()).map((r) => ({
    plugin,
    room: r.id,
    description: r.description,
    backends: [...r.backends],
    participants: Object.keys(r.participants).length,
    ...(r.owner === undefined ? {} : { owner: r.owner }),
  }));
}

export class LiveFeed {
  private readonly samples: RateSample[] = [];
  private readonly streams = new Set<ServerResponse>();
  /** The request counters when last sampled; they start at zero with the proxy, just before this feed. */
  private previous: { at: number; total: number; errors: number };
  private readonly timer: NodeJS.Timeout;
  private ticking = false;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly source: LiveSource,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.previous = { at: now(), total: 0, errors: 0 };
    this.timer = setInterval(() => { void this.tick(); }, SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Starts streaming snapshots on `stream` (headers already sent): the first one at once. */
  subscribe(stream: ServerResponse): void {
    if (this.closed) {
      stream.end();
      return;
    }
    stream.write(`retry: ${RECONNECT_DELAY_MS}\n\n`);
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    this.snapshot([...this.samples]).then(
      (snapshot) => { this.send(stream, snapshot); },
      (err: unknown) => {
        this.logger.warn({ err }, 'dashboard snapshot failed');
        stream.end();
      },
    );
  }

  /** Ends every stream (so the HTTP server can close) and stops sampling. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    try {
      const sample = await this.sample();
      if (this.streams.size === 0) return; // none yet, or closed meanwhile
      const snapshot = await this.snapshot([sample]);
      for (const stream of this.streams) this.send(stream, snapshot);
    } catch (err) {
      this.logger.warn({ err }, 'dashboard sample failed');
    } finally {
      this.ticking = false;
    }
  }

  private async sample(): Promise<RateSample> {
    const totals = await this.source.requestTotals();
    const at = this.now();
    const last = this.previous;
    this.previous = { at, ...totals };
    const seconds = Math.max(0.001, (at - last.at) / 1000);
    const rate = (now: number, before: number): number => Math.round((Math.max(0, now - before) / seconds) * 100) / 100;
    const backendHandles: Record<string, number> = {};
    for (const backend of this.cluster.backends.values()) backendHandles[backend.name] = backend.snapshot().handles;
    const sample: RateSample = {
      at,
      sessions: this.source.sessions.size,
      handles: this.source.sessions.handleCount(),
      requests_per_s: rate(totals.total, last.total),
      errors_per_s: rate(totals.errors, last.errors),
      backend_handles: backendHandles,
    };
    this.samples.push(sample);
    if (this.samples.length > HISTORY_SAMPLES) this.samples.shift();
    return sample;
  }

  private async snapshot(samples: RateSample[]): Promise<DashboardSnapshot> {
    const [backends, rooms] = await Promise.all([this.backends(), this.rooms()]);
    const decisions: DashboardDecision[] = this.cluster.explain(DECISIONS_SHOWN).map((d) => ({
      at: d.at, plugin: d.plugin, algorithm: d.algorithm, chosen: d.chosen, candidates: d.candidates,
    }));
    return {
      at: this.now(),
      proxy: { sessions: this.source.sessions.size, handles: this.source.sessions.handleCount() },
      backends,
      samples,
      decisions,
      rooms,
    };
  }

  private async backends(): Promise<DashboardBackend[]> {
    const records = await this.cluster.registry.list();
    const now = this.now();
    return records
      .map((record) => {
        const backend = this.cluster.backends.get(record.name);
        const view = backendView(record, backend, now);
        const load = backend?.snapshot();
        return {
          ...view,
          current_sessions: load?.sessions ?? record.sessions ?? 0,
          current_handles: load?.handles ?? record.handles ?? 0,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private async rooms(): Promise<DashboardRoom[] | null> {
    if (!this.source.rooms) return null;
    try {
      return [...(await this.source.rooms())];
    } catch (err) {
      this.logger.warn({ err }, 'dashboard rooms provider failed');
      return null;
    }
  }

  private send(stream: ServerResponse, snapshot: DashboardSnapshot): void {
    if (stream.writableEnded || stream.destroyed) return;
    if (stream.writableLength > MAX_BUFFERED_BYTES) {
      stream.end();
      return;
    }
    stream.write(`data: ${JSON.stringify(snapshot)}\n\n`);
  }
}
