/**
 * A small pool of WebSocket connections to one Janus. Each slot reconnects on its own with
 * exponential backoff. The pool also keeps the backend's `server_info`, refreshed on every connect.
 */
import type { Logger } from 'pino';
import { BackendConnection } from './connection.js';
import type { JsonObject } from '../protocol/messages.js';
import { isJsonObject } from '../protocol/messages.js';

/** How each connection to a backend behaves: the same for every backend of a cluster. */
export interface ConnectionSettings {
  apiSecret: string | undefined;
  token?: string | undefined;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  pingIntervalMs: number;
  reconnectInitialDelayMs: number;
  reconnectMaxDelayMs: number;
}

export interface PoolOptions extends ConnectionSettings {
  url: string;
  size: number;
  /** Bound to this backend by the caller: lines from the pool and its connections add no backend of their own. */
  logger: Logger;
  onRequestOutcome?: (answered: boolean) => void;
}

export interface ServerInfo {
  plugins: Record<string, JsonObject>;
  sessionTimeoutS: number;
  reclaimSessionTimeoutS: number;
  versionString: string;
}

export interface PoolListener {
  /** The pool went from no open connection to at least one, or back. */
  onAvailabilityChange(up: boolean): void;
}

export class BackendPool {
  private readonly slots: (BackendConnection | undefined)[];
  private readonly retryDelayMs: number[];
  private readonly timers = new Set<NodeJS.Timeout>();
  private waiters: ((conn: BackendConnection | undefined) => void)[] = [];
  /** Waiting for proof that the backend process is gone (see whenRefused). */
  private refusedWaiters: (() => void)[] = [];
  private stopped = false;
  private nextSlot = 0;
  info: ServerInfo | undefined;
  /** Connections opened so far, first ones included (a metric of reconnects). */
  connectionsOpened = 0;
  private wasUp = false;
  listener: PoolListener | undefined;

  constructor(private readonly options: PoolOptions) {
    this.slots = new Array<BackendConnection | undefined>(options.size).fill(undefined);
    this.retryDelayMs = new Array<number>(options.size).fill(options.reconnectInitialDelayMs);
  }

  get url(): string {
    return this.options.url;
  }

  get isUp(): boolean {
    return this.slots.some((c) => c?.state === 'open');
  }

  /** Requests waiting for an answer on the pool's connections (read-only; for leak checks). */
  get pendingRequests(): number {
    return this.slots.reduce((sum, conn) => sum + (conn?.pendingCount ?? 0), 0);
  }

  /** Backend sessions whose events the pool's connections route (read-only; for leak checks). */
  get routedSessions(): number {
    return this.slots.reduce((sum, conn) => sum + (conn?.sessionCount ?? 0), 0);
  }

  start(): void {
    for (let i = 0; i < this.slots.length; i++) this.connectSlot(i);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const conn of this.slots) conn?.close();
    this.flushWaiters(undefined);
    this.flushRefused();
  }

  /** Drops every connection; each slot reconnects with its usual backoff (sessions reclaim themselves). */
  reconnectAll(): void {
    for (const conn of this.slots) conn?.close();
  }

  /** An open connection, spreading backend sessions over the slots; undefined if none is open. */
  pick(): BackendConnection | undefined {
    for (let i = 0; i < this.slots.length; i++) {
      const conn = this.slots[(this.nextSlot + i) % this.slots.length];
      if (conn?.state === 'open') {
        this.nextSlot = (this.nextSlot + i + 1) % this.slots.length;
        return conn;
      }
    }
    return undefined;
  }

  /** Waits up to `timeoutMs` for an open connection. */
  whenOpen(timeoutMs: number): Promise<BackendConnection | undefined> {
    const now = this.info !== undefined ? this.pick() : undefined;
    if (now || this.stopped) return Promise.resolve(now);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter = (conn: BackendConnection | undefined): void => {
        clearTimeout(timer);
        resolve(conn);
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Resolves when a reconnect is refused while no connection is open: no Janus listens at the URL
   * any more (it died or restarted), so its sessions are gone and waiting to reclaim them is pointless.
   * A network cut times out instead, and sessions wait out their reclaim window.
   */
  whenRefused(): Promise<void> {
    return new Promise((resolve) => { this.refusedWaiters.push(resolve); });
  }

  private flushRefused(): void {
    const waiters = this.refusedWaiters;
    this.refusedWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private connectSlot(index: number): void {
    if (this.stopped) return;
    const conn = new BackendConnection({
      url: this.options.url,
      apiSecret: this.options.apiSecret,
      token: this.options.token,
      requestTimeoutMs: this.options.requestTimeoutMs,
      connectTimeoutMs: this.options.connectTimeoutMs,
      pingIntervalMs: this.options.pingIntervalMs,
      logger: this.options.logger,
      onRequestOutcome: this.options.onRequestOutcome,
    });
    this.slots[index] = conn;
    conn.onClose(() => {
      if (this.slots[index] === conn) this.slots[index] = undefined;
      this.notifyAvailability();
      this.scheduleReconnect(index);
    });
    conn.connect().then(
      () => { this.onSlotOpen(index, conn); },
      (err: unknown) => {
        // The close listener schedules the retry. A refused connection means no Janus listens there.
        if ((err as { code?: unknown } | undefined)?.code === 'ECONNREFUSED' && !this.isUp) this.flushRefused();
      },
    );
  }

  private onSlotOpen(index: number, conn: BackendConnection): void {
    if (this.stopped) {
      conn.close();
      return;
    }
    this.retryDelayMs[index] = this.options.reconnectInitialDelayMs;
    this.connectionsOpened++;
    this.options.logger.info({ slot: index }, 'backend connection open');
    conn.request({ janus: 'info' }).then(
      (reply) => {
        this.info = parseServerInfo(reply);
        this.notifyAvailability();
        this.flushWaiters(conn);
        this.flushRefused(); // after the waiters for a connection: a reclaim under way takes the connection
      },
      () => { conn.close(); },
    );
  }

  private scheduleReconnect(index: number): void {
    if (this.stopped) return;
    const delay = this.retryDelayMs[index] ?? this.options.reconnectInitialDelayMs;
    this.retryDelayMs[index] = Math.min(delay * 2, this.options.reconnectMaxDelayMs);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.connectSlot(index);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private notifyAvailability(): void {
    const up = this.isUp && this.info !== undefined;
    if (up === this.wasUp) return;
    this.wasUp = up;
    this.options.logger.info({ up }, 'backend availability changed');
    this.listener?.onAvailabilityChange(up);
  }

  private flushWaiters(conn: BackendConnection | undefined): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter(conn);
  }
}

function parseServerInfo(reply: JsonObject): ServerInfo {
  const plugins = isJsonObject(reply.plugins) ? (reply.plugins as Record<string, JsonObject>) : {};
  const num = (key: string, fallback: number): number => {
    const value = reply[key];
    return typeof value === 'number' ? value : fallback;
  };
  return {
    plugins,
    sessionTimeoutS: num('session-timeout', 60),
    reclaimSessionTimeoutS: num('reclaim-session-timeout', 0),
    versionString: typeof reply.version_string === 'string' ? reply.version_string : 'unknown',
  };
}
