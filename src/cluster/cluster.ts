/** The cluster as placement sees it: the registry's backends, selection over them, and its history. */
import type { Logger } from 'pino';
import { Backend, type BackendDeps } from './backend.js';
import { selectBackend, type SelectionAlgorithm, type SelectionResult } from './selection.js';
import type { Locality } from '../protocol/origin.js';
import { BackendPool, type ConnectionSettings, type PoolOptions } from '../backend/pool.js';
import type { JsonObject } from '../protocol/messages.js';
import { Registry } from './registry.js';
import type { ServerStore } from '../store/server-store.js';
import type { BreakerOptions } from './breaker.js';
import type { CustomSelector } from './custom-selector.js';

export interface StaticBackend {
  name: string;
  url: string;
}

export interface BackendCredentials {
  apiSecret?: string | undefined;
  token?: string | undefined;
  /** Its Janus Admin API, over the URL its record gives (a sentinel reports one). */
  adminUrl?: string | undefined;
  adminSecret?: string | undefined;
}

export interface AdminEndpoint {
  url: string;
  secret: string | undefined;
}

export interface ClusterOptions {
  algorithm: SelectionAlgorithm;
  customSelector?: CustomSelector | undefined;
  connectionsPerBackend: number;
  spareSessions: number;
  connection: ConnectionSettings;
  /** Per-backend credentials by backend name, over `connection`'s (backends with their own api_secret/token_auth). */
  credentials?: ReadonlyMap<string, BackendCredentials> | undefined;
  breaker: BreakerOptions;
  removeExpiredAfterMs: number;
  explainHistory: number;
  logger: Logger;
  /** Proxies share a store: warn about backends whose sessions cannot be taken over (Janus reclaim_session_timeout 0). */
  expectTakeOver?: boolean | undefined;
  /** Told about every placement decision (metrics). */
  onDecision?: (plugin: string, result: SelectionResult) => void;
  now?: () => number;
}

export interface Placement {
  backend: Backend;
  release: () => void;
}

/** One placement decision, kept for `GET /placement/explain`. */
export interface Decision extends SelectionResult {
  at: number;
  plugin: string;
  algorithm: string;
  client?: Locality | undefined;
}

const NO_EXCLUSIONS: ReadonlySet<string> = new Set();

export class Cluster {
  readonly registry: Registry;
  private turn = 0;
  /** The last `explainHistory` decisions in a ring (slot = count % size): every placement writes one. */
  private readonly decisions: Decision[] = [];
  private decisionCount = 0;
  private readonly now: () => number;

  constructor(store: ServerStore, private readonly options: ClusterOptions) {
    this.now = options.now ?? Date.now;
    const deps: BackendDeps = {
      createPool: (name, url, onRequestOutcome) => this.createPool(name, url, onRequestOutcome),
      spareSessions: options.spareSessions,
      expectTakeOver: options.expectTakeOver ?? false,
      breaker: options.breaker,
      logger: options.logger,
      now: this.now,
    };
    this.registry = new Registry(store, (record) => new Backend(record, deps), {
      removeExpiredAfterMs: options.removeExpiredAfterMs,
      logger: options.logger,
      now: this.now,
    });
  }

  get backends(): ReadonlyMap<string, Backend> {
    return this.registry.backends;
  }

  start(staticServers: readonly StaticBackend[]): Promise<void> {
    return this.registry.start(staticServers);
  }

  /** Chooses a backend for a new handle of `plugin` and reserves the placement at once. */
  place(plugin: string, client?: Locality, exclude: ReadonlySet<string> = NO_EXCLUSIONS): Placement | undefined {
    const list = [...this.backends.values()].filter((b) => !exclude.has(b.name));
    const snapshots = list.map((b) => b.snapshot());
    const ctx = { plugin, turn: this.turn++, random: Math.random, client };
    const result = this.options.customSelector
      ? this.options.customSelector(snapshots, ctx)
      : selectBackend(this.options.algorithm, snapshots, ctx);
    this.options.onDecision?.(plugin, result);
    // Object.assign, not `{ ...result, at, … }`: on Node 20's V8 a spread followed by more properties costs ~1–5 µs.
    this.remember(Object.assign({}, result, { at: this.now(), plugin, algorithm: this.options.customSelector ? 'custom' : this.options.algorithm, client }));
    const backend = result.chosen === undefined ? undefined : this.backends.get(result.chosen);
    if (!backend) return undefined;
    return { backend, release: backend.reserve() };
  }

  /**
   * Reserves the named backend, whatever the selection would say (a call's second leg must join the
   * first on its Janus, even a draining one); undefined when it is unknown, down or lacks `plugin`.
   */
  placeOn(name: string, plugin: string): Placement | undefined {
    const backend = this.backends.get(name);
    if (!backend?.connected || !(plugin in (backend.pool.info?.plugins ?? {}))) return undefined;
    return { backend, release: backend.reserve() };
  }

  /** Where the named backend's Janus Admin API is; undefined when neither config nor its record says. */
  adminEndpoint(name: string): AdminEndpoint | undefined {
    const own = this.options.credentials?.get(name);
    const url = own?.adminUrl ?? this.backends.get(name)?.record.admin_url;
    return url === undefined ? undefined : { url, secret: own?.adminSecret };
  }

  /** The most recent placement decisions, newest first. */
  explain(limit: number): Decision[] {
    const size = this.options.explainHistory;
    const newest: Decision[] = [];
    for (let i = 1; i <= Math.min(limit, size, this.decisionCount); i++) {
      const decision = this.decisions[(this.decisionCount - i) % size];
      if (decision) newest.push(decision);
    }
    return newest;
  }

  /** Union of the plugins offered by connected backends, with each plugin's description. */
  plugins(): Record<string, JsonObject> {
    const all: Record<string, JsonObject> = {};
    for (const backend of this.backends.values()) {
      if (!backend.connected) continue;
      Object.assign(all, backend.pool.info?.plugins);
    }
    return all;
  }

  /** Resolves when every known backend is connected, or after `timeoutMs`. */
  async waitConnected(timeoutMs: number): Promise<boolean> {
    const backends = [...this.backends.values()];
    await Promise.all(backends.map((b) => b.pool.whenOpen(timeoutMs)));
    return backends.every((b) => b.connected);
  }

  stop(): void {
    this.registry.stop();
  }

  private remember(decision: Decision): void {
    this.decisions[this.decisionCount % this.options.explainHistory] = decision;
    this.decisionCount++;
  }

  private createPool(name: string, url: string, onRequestOutcome: (ok: boolean) => void): BackendPool {
    const own = this.options.credentials?.get(name);
    const options: PoolOptions = Object.assign({}, this.options.connection, {
      url,
      size: this.options.connectionsPerBackend,
      logger: this.options.logger.child({ backend: url }),
      onRequestOutcome,
    });
    if (own?.apiSecret !== undefined) options.apiSecret = own.apiSecret;
    if (own?.token !== undefined) options.token = own.token;
    return new BackendPool(options);
  }
}
