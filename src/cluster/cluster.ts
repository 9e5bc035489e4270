/** The set of backends and the placement decisions made over them. */
import type { Logger } from 'pino';
import { Backend } from './backend.js';
import { selectBackend, type SelectionAlgorithm, type SelectionResult } from './selection.js';
import { BackendPool } from '../backend/pool.js';
import type { JsonObject } from '../protocol/messages.js';

export interface StaticBackend {
  name: string;
  url: string;
}

export interface ClusterOptions {
  algorithm: SelectionAlgorithm;
  connectionsPerBackend: number;
  spareSessions: number;
  apiSecret: string | undefined;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  pingIntervalMs: number;
  reconnectInitialDelayMs: number;
  reconnectMaxDelayMs: number;
  logger: Logger;
}

export interface Placement {
  backend: Backend;
  release: () => void;
}

const NO_EXCLUSIONS: ReadonlySet<string> = new Set();

export class Cluster {
  readonly backends = new Map<string, Backend>();
  private turn = 0;
  lastDecision: SelectionResult | undefined;

  constructor(private readonly options: ClusterOptions) {}

  addStatic(def: StaticBackend): Backend {
    const pool = new BackendPool({
      url: def.url,
      size: this.options.connectionsPerBackend,
      apiSecret: this.options.apiSecret,
      requestTimeoutMs: this.options.requestTimeoutMs,
      connectTimeoutMs: this.options.connectTimeoutMs,
      pingIntervalMs: this.options.pingIntervalMs,
      reconnectInitialDelayMs: this.options.reconnectInitialDelayMs,
      reconnectMaxDelayMs: this.options.reconnectMaxDelayMs,
      logger: this.options.logger.child({ backend: def.name }),
    });
    const backend = new Backend(def.name, pool, this.options.spareSessions, this.options.logger.child({ backend: def.name }));
    this.backends.set(def.name, backend);
    pool.start();
    return backend;
  }

  /** Chooses a backend for a new handle of `plugin` and reserves the placement at once. */
  place(plugin: string, exclude: ReadonlySet<string> = NO_EXCLUSIONS): Placement | undefined {
    const list = [...this.backends.values()].filter((b) => !exclude.has(b.name));
    const result = selectBackend(
      this.options.algorithm,
      list.map((b) => b.snapshot()),
      { plugin, turn: this.turn++, random: Math.random },
    );
    this.lastDecision = result;
    const backend = result.chosen === undefined ? undefined : this.backends.get(result.chosen);
    if (!backend) return undefined;
    return { backend, release: backend.reserve() };
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

  /** Resolves when every backend is connected, or after `timeoutMs`. */
  async waitConnected(timeoutMs: number): Promise<boolean> {
    const results = await Promise.all([...this.backends.values()].map((b) => b.pool.whenOpen(timeoutMs)));
    return results.every((c) => c !== undefined) && [...this.backends.values()].every((b) => b.connected);
  }

  stop(): void {
    for (const backend of this.backends.values()) backend.stop();
  }
}
