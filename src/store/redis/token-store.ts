/**
 * Stored tokens shared by every proxy through Redis: one hash `<prefix>tokens` (field = token,
 * value = JSON array of plugins), changes announced on `<prefix>tokens:changed`. Checks read the
 * local copy, loaded at start and kept current by the announcements, so no client request waits
 * for Redis; an admin edit is acknowledged once Redis has it.
 */
import type { Logger } from 'pino';
import type { RedisConnection } from './connection.js';
import { storeError } from './connection.js';
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
      if (channel === store.channel) store.onAnnouncement(message);
    });
    await subscriber.subscribe(store.channel);
    for (const [token, text] of Object.entries(await redis.client.hgetall(store.hash))) {
      const plugins = parsePlugins(text);
      if (plugins) store.apply(token, plugins);
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
    try {
      const [[, removed] = []] = (await this.redis.client.multi().hdel(this.hash, token).publish(this.channel, JSON.stringify([token, null])).exec()) ?? [];
      return known || removed === 1;
    } catch (err) {
      throw storeError('remove token', err);
    }
  }

  close(): Promise<void> {
    return this.ownsConnection ? this.redis.close() : Promise.resolve();
  }

  private async write(token: string, plugins: string[]): Promise<void> {
    try {
      await this.redis.client.multi().hset(this.hash, token, JSON.stringify(plugins)).publish(this.channel, JSON.stringify([token, plugins])).exec();
    } catch (err) {
      throw storeError('store token', err);
    }
  }

  private onAnnouncement(message: string): void {
    try {
      const [token, plugins] = JSON.parse(message) as [string, string[] | null];
      this.apply(token, plugins);
    } catch {
      this.logger.warn('ignored a malformed token announcement');
    }
  }
}
