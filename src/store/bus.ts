/**
 * A small message bus between proxies: each proxy listens on its own address (its id), and a
 * message names the topic (e.g. the plugin) whose handler gets it. Memory: in this process (one
 * proxy, or several sharing a MemoryBusHub in tests); Redis: pub/sub, one channel per proxy id.
 *
 * Guarantees: messages from one proxy to another arrive in the order they were published, and a
 * message to this proxy itself is delivered asynchronously (never inside publish()), like any other.
 */
import type { JsonObject } from '../protocol/messages.js';

export type BusHandler = (message: JsonObject, from: string) => void;

export interface MessageBus {
  readonly proxyId: string;
  /**
   * Sends `message` to the `topic` handler of proxy `to` (this proxy included). Resolves false when
   * no proxy listens at `to` (it died or never existed); rejects when the bus itself failed.
   */
  publish(to: string, topic: string, message: JsonObject): Promise<boolean>;
  /** The one handler of `topic` on this proxy; returns an unsubscribe function. */
  subscribe(topic: string, handler: BusHandler): () => void;
  close(): Promise<void>;
}

/** Routes one delivery to the topic's handler; a throwing handler must not hurt the bus. */
export class TopicHandlers {
  private readonly handlers = new Map<string, BusHandler>();

  constructor(private readonly onHandlerError: (topic: string, err: unknown) => void) {}

  add(topic: string, handler: BusHandler): () => void {
    this.handlers.set(topic, handler);
    return () => {
      if (this.handlers.get(topic) === handler) this.handlers.delete(topic);
    };
  }

  deliver(topic: string, message: JsonObject, from: string): void {
    const handler = this.handlers.get(topic);
    if (!handler) return;
    try {
      handler(message, from);
    } catch (err) {
      this.onHandlerError(topic, err);
    }
  }

  clear(): void {
    this.handlers.clear();
  }
}

/** The proxies of one process that can reach each other over memory buses. */
export class MemoryBusHub {
  readonly buses = new Map<string, MemoryBus>();
}

export class MemoryBus implements MessageBus {
  private readonly topics = new TopicHandlers(() => undefined);
  private closed = false;

  constructor(readonly proxyId: string, private readonly hub: MemoryBusHub = new MemoryBusHub()) {
    hub.buses.set(proxyId, this);
  }

  publish(to: string, topic: string, message: JsonObject): Promise<boolean> {
    const target = this.closed ? undefined : this.hub.buses.get(to);
    if (!target) return Promise.resolve(false);
    // A copy, as a real bus would deliver: the receiver can never alter the sender's object.
    const copy = structuredClone(message);
    queueMicrotask(() => {
      if (!target.closed) target.topics.deliver(topic, copy, this.proxyId);
    });
    return Promise.resolve(true);
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    return this.topics.add(topic, handler);
  }

  close(): Promise<void> {
    this.closed = true;
    this.topics.clear();
    if (this.hub.buses.get(this.proxyId) === this) this.hub.buses.delete(this.proxyId);
    return Promise.resolve();
  }
}
