/**
 * Stored tokens shared by every proxy through Redis: one hash `<prefix>tokens` (field = token,
 * value = JSON array of plugins), changes announced on `<prefix>tokens:changed` by token name. Checks
 * read the local copy, loaded at start and kept current by the announcements, so no client request
 * waits for Redis; an admin edit is acknowledged once Redis has it. An announcement makes each store
 * re-read that token rather than trust a payload: announcements of older edits can arrive after a
 * newer local edit, and a read on the same connection always answers with the latest value.
 *
 * After every reconnection of the subscriber the whole hash is read again (follow-channel.ts), so a
 * token revoked meanwhile stops working here too. A read (the whole hash or one token) sent before a
 * local edit of a token may answer with the value that edit replaced: its answer is used for every
 * token but those edited since it was sent (those are current here, and their own announcement
 * re-reads them).
 */
import type { Logger } from 'pino';
import type { RedisConnection } from './connection.js';
import { storeError } from './connection.js';
import { followChannel } from './follow-channel.js';
import { LocalEdits } from './local-edits.js';
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
  private readonly edits = new LocalEdits();
  private closed = false;

  private constructor(private readonly redis: RedisConnection, private readonly logger: Logger, private readonly ownsConnection: boolean) {
    super();
    this.hash = redis.key('tokens');
    this.channel = redis.key('tokens', 'changed');
  }

  /**
   * Subscribes, then loads every token, so no change is lost between the two; again after every
   * reconnection of the subscriber. With `ownsConnection` the store closes the connection when it
   * is closed.
   */
  static async open(redis: RedisConnection, logger: Logger, ownsConnection = false): Promise<RedisTokenStore> {
    const store = new RedisTokenStore(redis, logger, ownsConnection);
    const subscriber = redis.subscriber();
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === store.channel && !store.closed) void store.refresh(message);
    });
    try {
      await followChannel(subscriber, store.channel, { what: 'stored tokens', logger, closed: () => store.closed, load: () => store.loadAll() });
    } catch (err) {
      await store.close();
      throw err;
    }
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
    this.edits.edited(token);
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

  /** Every stored token as Redis has it (tokens no longer there go), but those edited here meanwhile. */
  private async loadAll(): Promise<void> {
    await this.edits.read(() => this.redis.client.hgetall(this.hash), (stored, editedSince) => {
      if (this.closed) return;
      for (const token of [...this.tokens.keys()]) if (!Object.hasOwn(stored, token) && !editedSince(token)) this.apply(token, null);
      for (const [token, text] of Object.entries(stored)) {
        if (editedSince(token)) continue;
        const plugins = parsePlugins(text);
        if (plugins) this.apply(token, plugins);
        else this.logger.warn({ token }, 'ignored a malformed stored token');
      }
    });
  }

  private async write(token: string, plugins: string[]): Promise<void> {
    this.edits.edited(token);
    try {
      await this.redis.client.multi().hset(this.hash, token, JSON.stringify(plugins)).publish(this.channel, token).exec();
    } catch (err) {
      throw storeError('store token', err);
    }
  }

  /** One token as Redis has it, unless it was edited here since the read was sent. */
  private async refresh(token: string): Promise<void> {
    try {
      await this.edits.read(() => this.redis.client.hget(this.hash, token), (text, editedSince) => {
        if (this.closed || editedSince(token)) return;
        const plugins = text === null ? null : parsePlugins(text);
        if (plugins === undefined) this.logger.warn({ token }, 'ignored a malformed stored token');
        else this.apply(token, plugins);
      });
    } catch (err) {
      this.logger.warn({ err: storeError('read token', err).message }, 'could not refresh a stored token');
    }
  }
}
