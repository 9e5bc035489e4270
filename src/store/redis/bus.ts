/**
 * The message bus over Redis pub/sub: proxy X listens on channel `P bus:<X>`. A frame is
 * `{"from":…,"topic":…,"message":{…}}`; PUBLISH answers how many subscribers got it, so a message
 * to a proxy that is gone resolves false at once. Messages to this proxy itself skip Redis.
 * Frames that are not valid JSON envelopes are logged and dropped.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isJsonObject, type JsonObject } from '../../protocol/messages.js';
import { TopicHandlers, type BusHandler, type MessageBus } from '../bus.js';
import { storeError, subscribeOrReconnect, type RedisConnection } from './connection.js';

export class RedisBus implements MessageBus {
  private readonly topics: TopicHandlers;
  private readonly channel: string;
  private subscriber: Redis | undefined;
  private live = false;
  private liveWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly redis: RedisConnection,
    readonly proxyId: string,
    private readonly logger: Logger,
  ) {
    this.channel = this.channelOf(proxyId);
    this.topics = new TopicHandlers((topic, err) => {
      this.logger.error({ err, topic }, 'bus handler threw');
    });
  }

  /** Subscribes to this proxy's channel; resolves once other proxies can reach it. */
  start(): Promise<void> {
    if (!this.subscriber) {
      const subscriber = this.redis.subscriber();
      this.subscriber = subscriber;
      subscriber.on('message', (channel: string, frame: string) => {
        if (channel === this.channel) this.receive(frame);
      });
      subscriber.on('ready', () => void this.listen(subscriber));
      subscriber.on('close', () => {
        this.live = false;
      });
      if (subscriber.status === 'ready') void this.listen(subscriber);
    }
    if (this.live || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.liveWaiters.push(resolve));
  }

  async publish(to: string, topic: string, message: JsonObject): Promise<boolean> {
    if (this.closed) return false;
    if (to === this.proxyId) {
      const copy = structuredClone(message);
      queueMicrotask(() => {
        this.topics.deliver(topic, copy, this.proxyId);
      });
      return true;
    }
    const frame = JSON.stringify({ from: this.proxyId, topic, message });
    try {
      return (await this.redis.client.publish(this.channelOf(to), frame)) > 0;
    } catch (err) {
      throw storeError(`redis bus: publish to '${to}'`, err);
    }
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    return this.topics.add(topic, handler);
  }

  /** The connection belongs to whoever built the bus (open-stores.ts); this only stops delivering. */
  close(): Promise<void> {
    this.closed = true;
    this.topics.clear();
    for (const resolve of this.liveWaiters.splice(0)) resolve();
    return Promise.resolve();
  }

  /** Runs on every (re)connection: the shared connection does not re-subscribe by itself. */
  private async listen(subscriber: Redis): Promise<void> {
    if (!(await subscribeOrReconnect(subscriber, this.channel, { what: 'the bus', logger: this.logger, closed: () => this.closed }))) return;
    this.live = true;
    for (const resolve of this.liveWaiters.splice(0)) resolve();
  }

  private receive(frame: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(frame);
    } catch {
      parsed = undefined;
    }
    if (!isJsonObject(parsed) || typeof parsed.from !== 'string' || typeof parsed.topic !== 'string' || !isJsonObject(parsed.message)) {
      this.logger.warn({ frame: frame.slice(0, 100) }, 'ignored a malformed bus frame');
      return;
    }
    if (!this.closed) this.topics.deliver(parsed.topic, parsed.message, parsed.from);
  }

  private channelOf(proxyId: string): string {
    return this.redis.key('bus', proxyId);
  }
}
