/**
 * One operator webhook: a bounded queue of events, posted in groups (a JSON array, as Janus's HTTP
 * event handler does with `grouping`), retried with exponential backoff; when the queue is full the
 * oldest events are dropped, and a group that fails every attempt is dropped too. Both are counted.
 */
import type { Logger } from 'pino';
import type { JsonObject } from '../protocol/messages.js';

/** How events are queued and posted: the same for every webhook. */
export interface DeliveryOptions {
  maxQueue: number;
  batchSize: number;
  retryInitialMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  timeoutMs: number;
  logger: Logger;
}

export interface WebhookOptions extends DeliveryOptions {
  url: string;
  onDropped: (count: number, reason: 'queue_full' | 'undeliverable') => void;
  onDelivered: (count: number) => void;
}

export class Webhook {
  private readonly queue: JsonObject[] = [];
  private sending = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: WebhookOptions) {}

  push(event: JsonObject): void {
    if (this.stopped) return;
    this.queue.push(event);
    const excess = this.queue.length - this.options.maxQueue;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.options.onDropped(excess, 'queue_full');
    }
    if (!this.sending) void this.drain();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    while (!this.stopped && this.queue.length > 0) {
      const group = this.queue.splice(0, this.options.batchSize);
      if (await this.deliver(group)) this.options.onDelivered(group.length);
      else this.options.onDropped(group.length, 'undeliverable');
    }
    this.sending = false;
  }

  /** Posts one group, retrying with backoff; false when every attempt failed. */
  private async deliver(group: JsonObject[]): Promise<boolean> {
    let delay = this.options.retryInitialMs;
    for (let attempt = 1; attempt <= this.options.maxAttempts && !this.stopped; attempt++) {
      try {
        const res = await fetch(this.options.url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(group),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        if (res.ok) return true;
        this.options.logger.warn({ url: this.options.url, status: res.status, attempt }, 'event webhook refused a group');
      } catch (err) {
        this.options.logger.warn({ url: this.options.url, err, attempt }, 'event webhook unreachable');
      }
      if (attempt < this.options.maxAttempts) await this.sleep(delay);
      delay = Math.min(delay * 2, this.options.retryMaxMs);
    }
    return false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }
}
