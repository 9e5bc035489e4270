/**
 * The Sink of one POST (or `GET /info`): it carries exactly one reply, the HTTP response. A session
 * created or claimed through it is owned by that session's long-poll queue, not by the request.
 */
import type { Logger } from 'pino';
import type { Sink } from '../../core/sink.js';
import type { ClientOrigin } from '../../protocol/origin.js';
import type { JsonFormat, OutgoingMessage } from '../../protocol/messages.js';
import { formatJson, type Exchange } from './exchange.js';
import type { PollQueues } from './poll-queues.js';

/**
 * How long a request may wait for its reply. Janus gives its core 10 s; the proxy's dispatcher
 * always answers (backend requests carry their own deadline and an attach may retry on another
 * backend), so this is only a safety net against a reply that never comes.
 */
export const REPLY_HOLD_LIMIT_MS = 60_000;

export class ReplySink implements Sink {
  readonly transport = 'http';
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly id: string,
    private readonly exchange: Exchange,
    readonly origin: ClientOrigin,
    private readonly queues: PollQueues,
    private readonly json: JsonFormat,
    private readonly logger: Logger,
  ) {
    this.timer = setTimeout(() => {
      logger.warn({ request: id }, 'no reply in time, dropping the HTTP request');
      exchange.drop();
    }, REPLY_HOLD_LIMIT_MS);
    this.timer.unref();
  }

  get open(): boolean {
    return this.exchange.pending;
  }

  send(msg: OutgoingMessage): void {
    clearTimeout(this.timer);
    if (!this.exchange.pending) {
      this.logger.debug({ request: this.id, janus: msg.janus }, 'HTTP client gone before its reply');
      return;
    }
    this.exchange.json(formatJson(msg, this.json));
  }

  ownerFor(sessionId: number): Sink {
    return this.queues.open(sessionId);
  }
}
