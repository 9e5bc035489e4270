/**
 * Stored tokens shared by every proxy through Redis: one hash `<prefix>tokens` (field = token,
 * value = JSON array of plugins), changes announced on `<prefix>tokens:changed` by token name. Checks
 * read the local copy, loaded at start and kept current by the announcements, so no client request
 * waits for Redis; an admin edit is acknowledged once Redis has it. An announcement makes each store
 * re-read that token rather than trust a payload: announcements of older edits can arrive after a
 * newer local edit, and a read on the same connection always answers with the latest value.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisConnection } from './connection.js';
import { storeError, subscribeOrReconnect } from './connection.js';
import { LocalTokens, type TokenStore } from '../token-store.js';

function parsePlugins(text: string): string[] | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) && value.every((p) => typeof p === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

export class RedisTokenStore extends LocalTokens implements TokenStore {
  private readonly hash: string;
  private readonly channel: string;
  /** Counts local edits: a re-read sent before a local edit may answer with the value it replaced. */
  private localEdits = 0;
  private loaded = false;
  private closed = false;

  private constructor(private readonly redis: RedisConnection, private readonly logger: Logger, private readonly ownsConnection: boolean) {
    super();
    this.hash = redis.key('tokens');
    this.channel = redis.key('tokens', 'changed');
  }

  /**
   * Subscribes, then loads every token, so no change is lost between the two. With `ownsConnection`
   * the store closes the connection when it is closed.
   */
  static async open(redis: RedisConnection, logger: Logger, ownsConnection = false): Promise<RedisTokenStore> {
    const store = new RedisTokenStore(redis, logger, ownsConnection);
    const subscriber = redis.subscriber();
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === store.channel && !store.closed) void store.refresh(message);
    });
    // The subscriber may be shared and is not re-subscribed by itself: after every reconnection
    // subscribe again and reload, since announcements sent meanwhile (a removed token) are lost.
    subscriber.on('ready', () => {
      if (store.loaded && !store.closed) void store.reload(subscriber);
    });
    await subscriber.subscribe(store.channel);
    await store.loadAll();
    store.loaded = true;
    return store;
  }

  async add(token: string, plugins: readonly string[]): Promise<void> {
    await this.write(token, this.edit(token, { allow: plugins }, true) ?? []);
  }

  async allow(token: string, plugins: readonly string[]): Promise<boolean> {
    const next = this.edit(token, { allow: plugins }, false);
    if (next) await this.write(token, next);
    return next !== undefined;
  }

  async disallow(token: string, plugins: readonly string[]): Promise<boolean> {
    const next = this.edit(token, { disallow: plugins }, false);
    if (next) await this.write(token, next);
    return next !== undefined;
  }

  async remove(token: string): Promise<boolean> {
    const known = this.tokens.delete(token);
    this.localEdits += 1;
    try {
      const [[, removed] = []] = (await this.redis.client.multi().hdel(this.hash, token).publish(this.channel, token).exec()) ?? [];
      return known || removed === 1;
    } catch (err) {
      throw storeError('remove token', err);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return this.ownsConnection ? this.redis.close() : Promise.resolve();
  }

  /** Every stored token as Redis has it; tokens no longer there go (skipped if a local edit came in between). */
  private async loadAll(): Promise<void> {
    const editsBefore = this.localEdits;
    const stored = await this.redis.client.hgetall(this.hash);
    if (this.localEdits !== editsBefore) return;
    for (const token of [...this.tokens.keys()]) if (!Object.hasOwn(stored, token)) this.apply(token, null);
    for (const [token, text] of Object.entries(stored)) {
      const plugins = parsePlugins(text);
      if (plugins) this.apply(token, plugins);
    }
  }

  private async reload(subscriber: Redis): Promise<void> {
    if (!(await subscribeOrReconnect(subscriber, this.channel, { what: 'stored tokens', logger: this.logger, closed: () => this.closed }))) return;
    await this.loadAll().catch((err: unknown) => {
      this.logger.warn({ err: storeError('read tokens', err).message }, 'could not reload stored tokens after a reconnection');
    });
  }


  private async write(token: string, plugins: string[]): Promise<void> {
    this.localEdits += 1;
    try {
      await this.redis.client.multi().hset(this.hash, token, JSON.stringify(plugins)).publish(this.channel, token).exec();
    } catch (err) {
      throw storeError('store token', err);
    }
  }

  /** Skipped when a local edit came in between: that edit's own announcement re-reads again. */
  private async refresh(token: string): Promise<void> {
    const editsBefore = this.localEdits;
    try {
      const text = await this.redis.client.hget(this.hash, token);
      if (this.localEdits !== editsBefore) return;
      const plugins = text === null ? null : parsePlugins(text);
      if (plugins === undefined) this.logger.warn({ token }, 'ignored a malformed stored token');
      else this.apply(token, plugins);
    } catch (err) {
      this.logger.warn({ err: storeError('read token', err).message }, 'could not refresh a stored token');
    }
  }
}
