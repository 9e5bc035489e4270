/**
 * One event stream for the whole cluster: events the backends' Janus HTTP event handlers post to the
 * proxy, with backend session/handle ids rewritten to the client's and the backend named, filtered
 * by type as Janus's `events` setting, and delivered to the operator's webhooks in Janus's
 * event-handler JSON. An event whose client handle is not known yet (Janus reports `attached`
 * before the proxy has answered the client's attach) is held briefly and mapped again.
 */
import { Counter, type Registry } from 'prom-client';
import { isJsonInteger, isJsonObject, type JsonObject } from '../protocol/messages.js';
import { IdMap, type ClientIds, type LocalSessions, type RemoteIds } from './ids.js';
import { Webhook, type DeliveryOptions } from './webhook.js';

/** Janus's event types by the names its `events` setting uses. */
const TYPES: Record<string, number> = {
  sessions: 1, handles: 2, external: 4, jsep: 8, webrtc: 16, media: 32, plugins: 64, transports: 128, core: 256,
};
const HOLD_MS = 2_000;
const RETRY_MS = 100;

/** Janus's `events` mask: "all", "none", or a comma separated list of type names. */
export function eventMask(setting: string): number {
  const names = setting.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.includes('all')) return 0xffff;
  return names.reduce((mask, name) => mask | (TYPES[name] ?? 0), 0);
}

export interface EventStreamOptions extends DeliveryOptions {
  webhooks: string[];
  events: string;
  registry: Registry;
  /** `emitter` of the proxy's own events (its server_name). */
  emitter: string;
  /** Each backend's state now, sampled for the proxy's own backend up/down events. */
  backends?: (() => Iterable<{ name: string; connected: boolean; status: string }>) | undefined;
  /** With proxies sharing a store: whose client an id unknown here is, asked of the other proxies. */
  remoteIds?: RemoteIds | undefined;
}

/** A live consumer of the stream (a WebSocket); it gets every event the mask lets through. */
export type EventListener = (event: JsonObject) => void;

const SAMPLE_MS = 1_000;
const CORE = 256;

interface Held {
  backend: string;
  event: JsonObject;
  until: number;
}

export class EventStream {
  private readonly ids: IdMap;
  private readonly mask: number;
  private readonly webhooks: Webhook[];
  private readonly received: Counter<'backend'>;
  private readonly dropped: Counter<'reason'>;
  private held: Held[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<EventListener>();
  private readonly backendStates = new Map<string, string>();
  private readonly sampler: NodeJS.Timeout | undefined;
  private readonly stopCleanups: (() => void)[] = [];

  constructor(sessions: LocalSessions, private readonly options: EventStreamOptions) {
    this.ids = new IdMap(sessions, options.remoteIds);
    this.mask = eventMask(options.events);
    const registers = [options.registry];
    this.received = new Counter({ name: 'janus_cloud_events_received_total', help: 'Backend events received, by backend', labelNames: ['backend'], registers });
    this.dropped = new Counter({ name: 'janus_cloud_events_dropped_total', help: 'Events not delivered to a webhook, by reason', labelNames: ['reason'], registers });
    const delivered = new Counter({ name: 'janus_cloud_events_delivered_total', help: 'Events delivered to webhooks', registers });
    this.webhooks = options.webhooks.map((url) => new Webhook({
      url, maxQueue: options.maxQueue, batchSize: options.batchSize, retryInitialMs: options.retryInitialMs, retryMaxMs: options.retryMaxMs,
      maxAttempts: options.maxAttempts, timeoutMs: options.timeoutMs, logger: options.logger,
      onDropped: (count, reason) => { this.dropped.inc({ reason }, count); },
      onDelivered: (count) => { delivered.inc(count); },
    }));
    if (options.backends) {
      this.sampleBackends(false);
      this.sampler = setInterval(() => { this.sampleBackends(true); }, SAMPLE_MS);
      this.sampler.unref();
    }
  }

  /** Adds a live consumer; returns how to remove it. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** The proxy's own event: a backend became reachable or not, or changed status (Janus `core` type). */
  private sampleBackends(announce: boolean): void {
    for (const b of this.options.backends?.() ?? []) {
      const state = `${b.connected ? 'connected' : 'disconnected'}/${b.status}`;
      if (this.backendStates.get(b.name) === state) continue;
      this.backendStates.set(b.name, state);
      if (!announce || (CORE & this.mask) === 0) continue;
      this.publish({
        emitter: this.options.emitter, type: CORE, timestamp: Date.now() * 1000,
        event: { backend: b.name, connected: b.connected, status: b.status }, backend: b.name,
      });
    }
  }

  /** The proxy's own event (proxy-events.ts), if the `events` setting lets its type through. */
  own(event: JsonObject): void {
    const type = isJsonInteger(event.type) ? event.type : 0;
    if ((type & this.mask) !== 0) this.publish(event);
  }

  private publish(event: JsonObject): void {
    for (const webhook of this.webhooks) webhook.push(event);
    for (const listener of this.listeners) listener(event);
  }

  /** What one backend's event handler posted: one event, or a group of them. */
  ingest(backend: string, payload: unknown): void {
    const events = Array.isArray(payload) ? payload : [payload];
    for (const event of events) {
      if (!isJsonObject(event)) continue;
      this.received.inc({ backend });
      const type = isJsonInteger(event.type) ? event.type : 0;
      if ((type & this.mask) === 0) continue;
      // Behind a held event of the same backend, an event waits its turn: the stream keeps Janus's order.
      // Its ids are looked up at once all the same (the other proxies may have to be asked).
      if (this.held.some((h) => h.backend === backend)) {
        this.idsOf(backend, event);
        this.hold(backend, event);
      } else if (!this.tryDeliver(backend, event, false)) {
        this.hold(backend, event);
      }
    }
  }

  /** Runs `cleanup` when the stream stops. */
  onStop(cleanup: () => void): void {
    this.stopCleanups.push(cleanup);
  }

  stop(): void {
    for (const cleanup of this.stopCleanups.splice(0)) cleanup();
    clearTimeout(this.timer);
    clearInterval(this.sampler);
    this.listeners.clear();
    for (const webhook of this.webhooks) webhook.stop();
  }

  /** The backend event's session and handle ids, and the client ids they map to (so far). */
  private idsOf(backend: string, event: JsonObject): { session: number | undefined; handle: number | undefined; client: ClientIds | undefined } {
    const session = isJsonInteger(event.session_id) ? event.session_id : undefined;
    const handle = isJsonInteger(event.handle_id) ? event.handle_id : undefined;
    return { session, handle, client: session === undefined ? undefined : this.ids.lookup(backend, session, handle) };
  }

  /** Delivers the event once its ids map (or, with `force`, as it is); false when it must wait. */
  private tryDeliver(backend: string, event: JsonObject, force: boolean): boolean {
    const { session, handle, client: ids } = this.idsOf(backend, event);
    const out: JsonObject = Object.assign({}, event, { backend });
    if (session !== undefined) {
      if (!ids && !force) return false;
      // Unmapped (the proxy's spare sessions, or gone before it was seen): only the backend's ids.
      delete out.session_id;
      delete out.handle_id;
      if (ids) {
        out.session_id = ids.session;
        if (ids.handle !== undefined) out.handle_id = ids.handle;
      }
      out.backend_session_id = session;
      if (handle !== undefined) out.backend_handle_id = handle;
      const name = isJsonObject(event.event) ? event.event.name : undefined;
      if (handle !== undefined && name === 'detached') this.ids.forget(backend, handle);
    }
    this.publish(out);
    return true;
  }

  private hold(backend: string, event: JsonObject): void {
    this.held.push({ backend, event, until: Date.now() + HOLD_MS });
    this.timer ??= setTimeout(() => { this.retryHeld(); }, RETRY_MS);
  }

  private retryHeld(): void {
    this.timer = undefined;
    const now = Date.now();
    const waiting = this.held;
    this.held = [];
    const blocked = new Set<string>();
    for (const h of waiting) {
      if (blocked.has(h.backend) || !this.tryDeliver(h.backend, h.event, now >= h.until)) {
        blocked.add(h.backend);
        this.held.push(h);
      }
    }
    if (this.held.length > 0) this.timer = setTimeout(() => { this.retryHeld(); }, RETRY_MS);
  }
}
