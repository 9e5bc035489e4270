/**
 * The backends this proxy knows, kept in step with the server store: static servers from the
 * config, sentinel reports and admin changes all go through the store, and every change (from this
 * proxy or, with Redis, any other) is applied here. Records that stay expired are dropped.
 */
import type { Logger } from 'pino';
import type { ServerStore } from '../store/server-store.js';
import { isExpired, type ServerRecord, type ServerReport, type ServerSource } from '../protocol/server-record.js';
import type { Backend } from './backend.js';

const SWEEP_INTERVAL_MS = 1_000;

export interface RegistryOptions {
  /** How long a record may stay expired before it is dropped (its connections closed). */
  removeExpiredAfterMs: number;
  logger: Logger;
  now: () => number;
}

export class Registry {
  readonly backends = new Map<string, Backend>();
  private unsubscribe: (() => void) | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: ServerStore,
    private readonly makeBackend: (record: ServerRecord) => Backend,
    private readonly options: RegistryOptions,
  ) {}

  /** Registers the static servers, loads every stored one and follows changes from then on. */
  async start(staticServers: readonly { name: string; url: string }[]): Promise<void> {
    this.unsubscribe = this.store.onChange((name) => { void this.refresh(name); });
    // Changes made between subscribing and the subscription going live would be missed otherwise.
    await this.store.subscribed?.();
    for (const server of staticServers) await this.report({ ...server, status: 'up', expire: 0 }, 'static');
    for (const record of await this.store.list()) this.apply(record.name, record);
    this.sweepTimer = setInterval(() => { void this.sweep(); }, SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  async report(report: ServerReport, source: ServerSource): Promise<ServerRecord> {
    const record = await this.store.upsert(report, source, this.options.now());
    this.apply(record.name, record);
    return record;
  }

  async remove(name: string): Promise<boolean> {
    const existed = await this.store.remove(name);
    this.apply(name, undefined);
    return existed;
  }

  async setDrained(name: string, drained: boolean): Promise<ServerRecord | undefined> {
    const record = await this.store.setDrained(name, drained, this.options.now());
    if (record) this.apply(name, record);
    return record;
  }

  /** Every stored record, including expired ones (the admin API shows them as such). */
  list(): Promise<ServerRecord[]> {
    return this.store.list();
  }

  get(name: string): Promise<ServerRecord | undefined> {
    return this.store.get(name);
  }

  stop(): void {
    this.unsubscribe?.();
    clearInterval(this.sweepTimer);
    for (const backend of this.backends.values()) backend.stop();
    this.backends.clear();
  }

  private async refresh(name: string): Promise<void> {
    try {
      this.apply(name, await this.store.get(name));
    } catch (err) {
      this.options.logger.warn({ err, backend: name }, 'could not read a changed server record');
    }
  }

  private apply(name: string, record: ServerRecord | undefined): void {
    const backend = this.backends.get(name);
    if (!record) {
      if (!backend) return;
      this.backends.delete(name);
      backend.stop();
      this.options.logger.info({ backend: name }, 'backend removed');
      return;
    }
    if (backend) {
      // A slower read of an older version must not roll the record back.
      if (record.updated_at >= backend.record.updated_at) backend.update(record);
      return;
    }
    this.backends.set(name, this.makeBackend(record));
    this.options.logger.info({ backend: name, url: record.url, source: record.source }, 'backend added');
  }

  private async sweep(): Promise<void> {
    const now = this.options.now();
    for (const backend of [...this.backends.values()]) {
      const r = backend.record;
      if (!isExpired(r, now) || now - r.updated_at - r.expire * 1000 < this.options.removeExpiredAfterMs) continue;
      this.options.logger.info({ backend: r.name }, 'backend report expired long ago, dropping it');
      try {
        await this.remove(r.name);
      } catch (err) {
        this.options.logger.warn({ err, backend: r.name }, 'could not drop an expired backend');
      }
    }
  }
}
