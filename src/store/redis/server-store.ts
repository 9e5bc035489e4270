/**
 * The server store shared by every proxy and sentinel of a cluster through one Redis.
 *
 *   const store = new RedisServerStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'janus-cloud:', logger });
 *   ...
 *   await store.close();
 *
 * Opened like this (the sentinel, tests) it has a connection of its own, closed with it; a proxy
 * opens it on the connection all its stores share (`{ connection, logger }`, open-stores.ts), which
 * closing the store leaves open.
 *
 * Layout, with prefix P (default `janus-cloud:`):
 *   P servers            SET of server names: the index list() reads, so there is no KEYS/SCAN
 *   P server:<name>      STRING: the record as JSON. Versus a hash: one MGET reads every record in
 *                        one round trip, numbers and arrays (plugins) keep their types, and a whole
 *                        record is compared and swapped as one value.
 *   P servers:changed    pub/sub channel: every write publishes the server's name
 *
 * A record with `expire > 0` gets a Redis TTL of RECORD_TTL_FACTOR × expire, so an expired record
 * stays listable (the admin API shows it as expired) until Redis collects it. Validity is decided
 * by the proxy (`isExpired`); the TTL is only garbage collection. list() drops index members
 * whose record has gone.
 *
 * Writes are read → `mergeReport` (the same code as the memory store) → compare-and-set in Lua,
 * retried when another writer got in between, so concurrent writers never lose each other's fields.
 *
 * onChange listeners hear every write, from this process or any other, over pub/sub (so later than
 * the write resolves, unlike the memory store). After a lost subscription (Redis restart, network)
 * they are told every name the store knows, because notifications sent meanwhile are lost.
 * Records that are unreadable (not JSON, not a server record) are logged and treated as absent.
 * Redis failures reject with a RedisStoreError naming the operation; nothing waits forever.
 */
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { mergeReport, type ServerRecord, type ServerReport, type ServerSource } from '../../protocol/server-record.js';
import type { ServerStore } from '../server-store.js';
import { openRedis, RedisStoreError, storeError, subscribeOrReconnect, type RedisConnection, type RedisConnectionOptions } from './connection.js';
import { compareAndSetScript, decodeRecord, encodeRecord, pruneScript, removeScript } from './server-scripts.js';

export type RedisServerStoreOptions = Omit<RedisConnectionOptions, 'connectionName'>;

/** A connection someone else opened and closes. */
export interface SharedRedisConnection {
  connection: RedisConnection;
  logger?: Logger | undefined;
}

/** Redis keeps a record this many times its `expire` after its latest report. */
export const RECORD_TTL_FACTOR = 3;
/** Every failed compare-and-set means another writer succeeded; this many in a row is not normal. */
const MAX_WRITE_ATTEMPTS = 32;
const SERVER_NAME = /^[\w.-]{1,64}$/;

export class RedisServerStore implements ServerStore {
  private readonly redis: RedisConnection;
  private readonly ownsConnection: boolean;
  private readonly logger: Logger;
  private readonly indexKey: string;
  private readonly channel: string;
  private readonly listeners = new Set<(name: string) => void>();
  /** Every name this store has seen: told to the listeners again after a lost subscription. */
  private readonly knownNames = new Set<string>();
  private subscriber: Redis | undefined;
  private live = false;
  private everLive = false;
  private liveWaiters: (() => void)[] = [];
  private closing: Promise<void> | undefined;

  constructor(options: RedisServerStoreOptions | SharedRedisConnection) {
    this.ownsConnection = !('connection' in options);
    this.redis = 'connection' in options ? options.connection : openRedis({ ...options, connectionName: 'janus-cloud-servers' });
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'redis-server-store' });
    this.indexKey = this.redis.key('servers');
    this.channel = this.redis.key('servers', 'changed');
  }

  upsert(report: ServerReport, source: ServerSource, nowMs: number): Promise<ServerRecord> {
    return this.modify('upsert', report.name, (previous) => mergeReport(previous, report, source, nowMs));
  }

  setDrained(name: string, drained: boolean, nowMs: number): Promise<ServerRecord | undefined> {
    return this.modify('setDrained', name, (previous) => previous && { ...previous, drained, updated_at: nowMs });
  }

  async get(name: string): Promise<ServerRecord | undefined> {
    this.assertOpen('get');
    try {
      const raw = await this.redis.client.get(this.recordKey(name));
      return raw === null ? undefined : this.decode(name, raw);
    } catch (err) {
      throw storeError(`redis server store: get '${name}'`, err);
    }
  }

  async list(): Promise<ServerRecord[]> {
    this.assertOpen('list');
    const records: ServerRecord[] = [];
    const vanished: string[] = [];
    try {
      const names = await this.redis.client.smembers(this.indexKey);
      if (names.length === 0) return [];
      const raws = await this.redis.client.mget(...names.map((name) => this.recordKey(name)));
      names.forEach((name, i) => {
        const raw = raws[i];
        if (raw === null || raw === undefined) vanished.push(name);
        else {
          const record = this.decode(name, raw);
          if (record) records.push(record);
        }
      });
    } catch (err) {
      throw storeError('redis server store: list', err);
    }
    if (vanished.length > 0) await this.prune(vanished);
    // The memory store lists in insertion order; creation time is the nearest stable equivalent.
    return records.sort((a, b) => a.created_at - b.created_at || a.name.localeCompare(b.name));
  }

  async remove(name: string): Promise<boolean> {
    this.assertOpen('remove');
    try {
      const removed = await removeScript.run(this.redis.client, [this.recordKey(name), this.indexKey], [name, this.channel]);
      return removed === 1;
    } catch (err) {
      throw storeError(`redis server store: remove '${name}'`, err);
    }
  }

  onChange(listener: (name: string) => void): () => void {
    if (this.closing) return () => undefined;
    this.listeners.add(listener);
    this.startSubscriber();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Resolves once change notifications reach this store's listeners (at once when onChange was
   * never called, or after close). Not part of ServerStore: for callers that must not miss the
   * first changes, and for tests.
   */
  subscribed(): Promise<void> {
    if (!this.subscriber || this.live || this.closing) return Promise.resolve();
    return new Promise((resolve) => this.liveWaiters.push(resolve));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.listeners.clear();
      this.setLive(false);
      for (const resolve of this.liveWaiters.splice(0)) resolve();
      if (this.ownsConnection) await this.redis.close();
    })();
    return this.closing;
  }

  private async modify<T extends ServerRecord | undefined>(
    verb: string, name: string, change: (previous: ServerRecord | undefined) => T,
  ): Promise<T> {
    const operation = `redis server store: ${verb} '${name}'`;
    this.assertOpen(verb);
    const key = this.recordKey(name);
    try {
      for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
        const raw = await this.redis.client.get(key);
        const next = change(raw === null ? undefined : this.decode(name, raw));
        if (next === undefined) return next;
        const ttlMs = next.expire > 0 ? next.expire * 1000 * RECORD_TTL_FACTOR : 0;
        const written = await compareAndSetScript.run(this.redis.client, [key, this.indexKey], [
          raw === null ? '0' : '1', raw ?? '', encodeRecord(next), ttlMs, name, this.channel,
        ]);
        if (written === 1) {
          this.knownNames.add(name);
          return next;
        }
      }
    } catch (err) {
      throw storeError(operation, err);
    }
    throw new RedisStoreError(`${operation} failed: ${String(MAX_WRITE_ATTEMPTS)} concurrent writes got in first`);
  }

  /** Best effort: a failure only leaves stale index members for the next list(). */
  private async prune(names: string[]): Promise<void> {
    try {
      await pruneScript.run(this.redis.client, [this.indexKey, ...names.map((n) => this.recordKey(n))], [this.channel, ...names]);
    } catch (err) {
      this.logger.warn({ err: errorMessage(err), servers: names }, 'could not prune vanished server records');
    }
  }

  private startSubscriber(): void {
    if (this.subscriber) return;
    const subscriber = this.redis.subscriber();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.deliver(message);
    });
    subscriber.on('ready', () => {
      if (!this.closing) void this.subscribe(subscriber); // a shared subscriber outlives this store
    });
    subscriber.on('close', () => {
      this.setLive(false);
    });
    if (subscriber.status === 'ready') void this.subscribe(subscriber); // a shared subscriber may be up already
  }

  /** Runs on every (re)connection of the subscriber: ioredis' own auto-resubscribe is off. */
  private async subscribe(subscriber: Redis): Promise<void> {
    if (!(await subscribeOrReconnect(subscriber, this.channel, { what: 'server changes', logger: this.logger, closed: () => this.closing !== undefined }))) return;
    if (this.closing) return;
    this.setLive(true);
    if (this.everLive) await this.resync();
    this.everLive = true;
  }

  /** After a gap in the subscription: every name we know of or Redis lists may have changed. */
  private async resync(): Promise<void> {
    let stored: string[] | undefined;
    try {
      stored = await this.redis.client.smembers(this.indexKey);
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'could not list servers after resubscribing');
    }
    const names = new Set([...this.knownNames, ...(stored ?? [])]);
    if (stored) for (const name of this.knownNames) if (!stored.includes(name)) this.knownNames.delete(name);
    this.logger.info({ servers: names.size }, 'server change notifications resumed');
    for (const name of names) this.notify(name);
  }

  private deliver(name: string): void {
    if (!SERVER_NAME.test(name)) {
      this.logger.warn({ message: name.slice(0, 100) }, 'ignored a malformed server change notification');
      return;
    }
    this.knownNames.add(name);
    this.notify(name);
  }

  private notify(name: string): void {
    for (const listener of this.listeners) {
      try {
        listener(name);
      } catch (err) {
        // A failing listener must not stop the others.
        this.logger.warn({ err: errorMessage(err), server: name }, 'server change listener threw');
      }
    }
  }

  private setLive(live: boolean): void {
    this.live = live;
    if (live) for (const resolve of this.liveWaiters.splice(0)) resolve();
  }

  private decode(name: string, raw: string): ServerRecord | undefined {
    const record = decodeRecord(raw);
    if (record?.name !== name) {
      this.logger.warn({ server: name }, 'unreadable server record in redis, treated as absent');
      return undefined;
    }
    this.knownNames.add(name);
    return record;
  }

  private recordKey(name: string): string {
    return this.redis.key('server', name);
  }

  private assertOpen(verb: string): void {
    if (this.closing) throw new RedisStoreError(`redis server store: ${verb} failed: the store is closed`);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
