/**
 * The long-poll side of the HTTP transport: one bounded event queue per session created or claimed
 * over HTTP (that queue is the session's owner Sink), and the GET requests waiting on it.
 * Semantics follow `janus_http.c`: an event completes every waiting poll at once (the first takes
 * the events, the others get a keepalive); a poll with nothing to take is held, then answered with
 * a keepalive; when the session ends or is claimed elsewhere the queue and its events are dropped,
 * while polls already waiting still run out their hold.
 */
import type { Logger } from 'pino';
import type { Sink } from '../../core/sink.js';
import type { JsonFormat, OutgoingMessage } from '../../protocol/messages.js';
import { formatJson, formatJsonArray } from './exchange.js';

export interface PollQueueOptions {
  /** Events kept per session; beyond it the oldest is dropped. */
  maxQueuedEvents: number;
  /** How long a poll with nothing to deliver is held before it gets a keepalive. */
  holdMs: number;
  json: JsonFormat;
  logger: Logger;
}

interface WaitingPoll {
  maxEvents: number;
  answer(body: string): void;
  timer: NodeJS.Timeout;
}

export class SessionQueue implements Sink {
  readonly transport = 'http';
  readonly id: string;
  private readonly events: string[] = [];
  private waiting: WaitingPoll[] = [];
  private closed = false;
  private dropped = 0;

  constructor(
    readonly sessionId: number,
    private readonly registry: PollQueues,
    private readonly options: PollQueueOptions,
  ) {
    this.id = `http-queue-${sessionId}`;
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Queues an event for the session's polls (serialised now: the caller may reuse the object). */
  send(msg: OutgoingMessage): void {
    if (this.closed) return;
    this.events.push(formatJson(msg, this.options.json));
    if (this.events.length > this.options.maxQueuedEvents) {
      this.events.shift();
      if (this.dropped++ === 0) {
        this.options.logger.warn({ session: this.sessionId, max: this.options.maxQueuedEvents }, 'long-poll queue full (nobody polls?), dropping the oldest events');
      }
    }
    const polls = this.waiting;
    this.waiting = [];
    for (const poll of polls) {
      clearTimeout(poll.timer);
      poll.answer(this.take(poll.maxEvents));
    }
  }

  /** Answers at once when events are queued, else holds the poll. Returns a canceller for a client that goes away. */
  poll(maxEvents: number, answer: (body: string) => void): () => void {
    if (this.events.length > 0) {
      answer(this.take(maxEvents));
      return () => undefined;
    }
    const poll: WaitingPoll = {
      maxEvents,
      answer,
      timer: setTimeout(() => {
        this.forget(poll);
        answer(this.take(maxEvents));
      }, this.options.holdMs),
    };
    this.waiting.push(poll);
    return () => {
      clearTimeout(poll.timer);
      this.forget(poll);
    };
  }

  /** The session is over for this queue (Janus `session_over`): its events go, its waiting polls run out. */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.length = 0;
    this.registry.remove(this);
  }

  /** Transport shutdown: answer everyone now. */
  close(): void {
    this.release();
    const polls = this.waiting;
    this.waiting = [];
    for (const poll of polls) {
      clearTimeout(poll.timer);
      poll.answer(this.take(poll.maxEvents));
    }
  }

  private forget(poll: WaitingPoll): void {
    const i = this.waiting.indexOf(poll);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  /** Up to `maxEvents` events: a bare object when 1, an array otherwise; a keepalive when there is none. */
  private take(maxEvents: number): string {
    if (this.dropped > 0) {
      this.options.logger.warn({ session: this.sessionId, dropped: this.dropped }, 'events were dropped from a full long-poll queue');
      this.dropped = 0;
    }
    const batch = this.events.splice(0, maxEvents);
    if (batch.length === 0) batch.push(formatJson({ janus: 'keepalive' }, this.options.json));
    return maxEvents === 1 ? (batch[0] ?? '') : formatJsonArray(batch, this.options.json);
  }
}

/** Every session's queue, by session id. */
export class PollQueues {
  private readonly queues = new Map<number, SessionQueue>();

  constructor(private readonly options: PollQueueOptions) {}

  get size(): number {
    return this.queues.size;
  }

  get(sessionId: number): SessionQueue | undefined {
    return this.queues.get(sessionId);
  }

  /** A fresh queue for a session created or claimed over HTTP; an older one is released (Janus recreates it too). */
  open(sessionId: number): SessionQueue {
    this.queues.get(sessionId)?.release();
    const queue = new SessionQueue(sessionId, this, this.options);
    this.queues.set(sessionId, queue);
    return queue;
  }

  remove(queue: SessionQueue): void {
    if (this.queues.get(queue.sessionId) === queue) this.queues.delete(queue.sessionId);
  }

  close(): void {
    for (const queue of [...this.queues.values()]) queue.close();
  }
}
