/**
 * Room → backend routes of room-routed pass-through plugins (AudioBridge, TextRoom, Streaming),
 * shared by every proxy through Redis: one hash `<prefix>room-routes` (field = plugin + room,
 * value = backend), changes announced on `<prefix>room-routes:changed`. Reads are answered from a
 * local copy, loaded at start and kept current by those announcements, so placement never waits
 * for Redis; writes go to the copy at once and to Redis behind it. After every reconnection of the
 * subscriber every route is read again (follow-channel.ts); a route edited here while that read was
 * in flight keeps its local value (local-edits.ts).
 */
import type { Logger } from 'pino';
import { RedisScript, type RedisConnection } from './connection.js';
import { followChannel } from './follow-channel.js';
import { LocalEdits } from './local-edits.js';
import { routeKey, type RoomKey, type RoomRoutes } from '../room-routes.js';

const DELETED = '';

/** HSETNX + announce when it took, then the pin that holds: one atomic claim across proxies. */
const CLAIM = new RedisScript(`
if redis.call('hsetnx', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('publish', KEYS[2], cjson.encode({ARGV[1], ARGV[2]}))
end
return redis.call('hget', KEYS[1], ARGV[1])
`);

/** HDEL + announce only while the route still names ARGV[2]; gives the route that holds afterwards ('' for none). */
const RELEASE = new RedisScript(`
local current = redis.call('hget', KEYS[1], ARGV[1])
if current == ARGV[2] then
  redis.call('hdel', KEYS[1], ARGV[1])
  redis.call('publish', KEYS[2], cjson.encode({ARGV[1], ''}))
  return ''
end
return current or ''
`);

export class RedisRoomRoutes implements RoomRoutes {
  private readonly local = new Map<string, string>();
  private readonly hash: string;
  private readonly channel: string;
  private readonly edits = new LocalEdits();
  private closed = false;

  private constructor(private readonly redis: RedisConnection, private readonly logger: Logger) {
    this.hash = redis.key('room-routes');
    this.channel = redis.key('room-routes', 'changed');
  }

  /** Subscribes, then loads every route, so no change is lost between the two; again after every reconnection. */
  static async open(redis: RedisConnection, logger: Logger): Promise<RedisRoomRoutes> {
    const routes = new RedisRoomRoutes(redis, logger);
    const subscriber = redis.subscriber();
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === routes.channel && !routes.closed) routes.onAnnouncement(message);
    });
    try {
      await followChannel(subscriber, routes.channel, { what: 'room routes', logger, closed: () => routes.closed, load: () => routes.loadAll() });
    } catch (err) {
      await routes.close();
      throw err;
    }
    return routes;
  }

  /** Stops following other proxies' changes; the connection belongs to whoever opened it. */
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  get(plugin: string, room: RoomKey): string | undefined {
    return this.local.get(routeKey(plugin, room));
  }

  set(plugin: string, room: RoomKey, backend: string): void {
    void this.share(plugin, room, backend);
  }

  share(plugin: string, room: RoomKey, backend: string): Promise<void> {
    const field = routeKey(plugin, room);
    this.local.set(field, backend);
    this.edits.edited(field);
    return this.write(field, backend, this.redis.client.multi().hset(this.hash, field, backend));
  }

  delete(plugin: string, room: RoomKey, backend: string): void {
    void this.release(plugin, room, backend);
  }

  /** The local copy forgets at once; Redis decides whether the route still was `backend`'s, and the copy follows. */
  async release(plugin: string, room: RoomKey, backend: string): Promise<void> {
    const field = routeKey(plugin, room);
    if (this.local.get(field) === backend) this.local.delete(field);
    this.edits.edited(field);
    const left = this.local.get(field);
    try {
      const holds = await RELEASE.run(this.redis.client, [this.hash, this.channel], [field, backend]);
      // A route set or announced meanwhile is newer than this answer: it stands.
      if (this.local.get(field) !== left) return;
      if (typeof holds === 'string' && holds !== DELETED) this.local.set(field, holds);
      else this.local.delete(field);
    } catch (err) {
      this.logger.warn({ err, field }, 'could not release a room route through Redis');
    }
  }

  /** Redis decides the winner; the local copy follows it, so every proxy then reads the same pin. */
  async claim(plugin: string, room: RoomKey, backend: string): Promise<string> {
    const field = routeKey(plugin, room);
    this.edits.edited(field);
    const pinned = await CLAIM.run(this.redis.client, [this.hash, this.channel], [field, backend]);
    const winner = typeof pinned === 'string' && pinned !== '' ? pinned : backend;
    this.local.set(field, winner);
    return winner;
  }

  /** Writes and announces a change; resolves (never rejects) once Redis took it or failed to. */
  private async write(field: string, backend: string, transaction: ReturnType<RedisConnection['client']['multi']>): Promise<void> {
    try {
      await transaction.publish(this.channel, JSON.stringify([field, backend])).exec();
    } catch (err) {
      this.logger.warn({ err, field }, 'could not share a room route through Redis');
    }
  }

  /** Routes deleted while the subscription was gone stay until their room is seen again. */
  private async loadAll(): Promise<void> {
    await this.edits.read(() => this.redis.client.hgetall(this.hash), (stored, editedSince) => {
      if (this.closed) return;
      for (const [field, backend] of Object.entries(stored)) if (!editedSince(field)) this.local.set(field, backend);
    });
  }

  private onAnnouncement(message: string): void {
    try {
      const [field, backend] = JSON.parse(message) as [string, string];
      if (backend === DELETED) this.local.delete(field);
      else this.local.set(field, backend);
    } catch {
      this.logger.warn('ignored a malformed room route announcement');
    }
  }
}
