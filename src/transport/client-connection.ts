/** One client WebSocket: decodes frames into requests and is the Sink its sessions' messages go to. */
import type { WebSocket, RawData } from 'ws';
import type { Logger } from 'pino';
import type { Sink } from '../core/sink.js';
import type { ClientOrigin } from '../protocol/origin.js';
import { errorReply, serialize, type JsonFormat, type OutgoingMessage } from '../protocol/messages.js';
import { JanusErrorCode as C } from '../protocol/errors.js';
import { BatchedSender } from '../protocol/write-batching.js';
import { frameRequests, frameSize, frameText, MAX_JSON_DEPTH, nestsDeeperThan, NOT_ONE_VALUE, oneValue } from '../protocol/frames.js';

const CLOSE_MESSAGE_TOO_BIG = 1009;

export interface ClientConnectionOptions {
  maxMessageBytes: number;
  maxBufferedBytes: number;
  json: JsonFormat;
  pingIntervalMs: number;
  logger: Logger;
  onRequest(payload: unknown): void;
  onClose(): void;
}

export class ClientConnection implements Sink {
  /** `dropping`: dropped for not reading, closed once the socket's 'close' event comes. */
  private state: 'open' | 'dropping' | 'closed' = 'open';
  private pingTimer: NodeJS.Timeout | undefined;
  private awaitingPong = false;
  private readonly sender: BatchedSender;

  constructor(
    readonly id: string,
    private readonly ws: WebSocket,
    readonly origin: ClientOrigin,
    private readonly options: ClientConnectionOptions,
  ) {
    this.sender = new BatchedSender(ws);
    ws.on('message', (data: RawData) => { this.onFrame(data); });
    ws.on('pong', () => { this.awaitingPong = false; });
    ws.on('error', (err) => { options.logger.debug({ err: err.message }, 'client socket error'); });
    ws.on('close', () => { this.onClosed(); });
    if (options.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => { this.ping(); }, options.pingIntervalMs);
      this.pingTimer.unref();
    }
  }

  get open(): boolean {
    return this.state === 'open';
  }

  send(msg: OutgoingMessage): void {
    if (!this.open) return;
    this.write(serialize(msg, this.options.json));
  }

  sendJson(json: string): void {
    if (!this.open) return;
    // Compact JSON serves `plain` too (serialize writes both the same way); `indented` needs the value.
    if (this.options.json === 'indented') this.write(serialize(JSON.parse(json), 'indented'));
    else this.write(json);
  }

  private write(frame: string): void {
    this.sender.send(frame);
    // A client that stops reading would otherwise make the proxy buffer its events without bound.
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes) this.dropSlowReader();
  }

  private dropSlowReader(): void {
    this.options.logger.warn({ bufferedBytes: this.ws.bufferedAmount }, 'client is not reading its messages, dropping it');
    // Nothing more is queued; its sessions learn of the drop from the 'close' event, not from inside this send.
    this.state = 'dropping';
    this.ws.terminate();
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** Closes the socket cleanly (1001 Going Away): the proxy is draining, the client reconnects elsewhere. */
  goAway(): void {
    this.ws.close(1001, 'Proxy draining');
  }

  private onFrame(data: RawData): void {
    const size = frameSize(data);
    if (size > this.options.maxMessageBytes) {
      this.send(errorReply(C.INVALID_JSON, `Invalid Janus API request - message too large (${size} > ${this.options.maxMessageBytes} bytes)`));
      this.ws.close(CLOSE_MESSAGE_TOO_BIG, 'Message too large');
      return;
    }
    const text = frameText(data);
    if (nestsDeeperThan(text)) {
      this.send(errorReply(C.INVALID_JSON, `Invalid Janus API request - maximum parsing depth (${MAX_JSON_DEPTH}) exceeded`));
      return;
    }
    const single = oneValue(text);
    if (single !== NOT_ONE_VALUE) {
      if (this.open) this.options.onRequest(single);
      return;
    }
    // Janus answers each of several requests sent back to back in one frame (see frameRequests).
    const parsed = frameRequests(text);
    if ('error' in parsed) {
      this.send(errorReply(C.INVALID_JSON, `Invalid Janus API request - ${parsed.error}`));
      return;
    }
    for (const payload of parsed.requests) {
      if (!this.open) return;
      this.options.onRequest(payload);
    }
  }

  private ping(): void {
    if (this.awaitingPong) {
      this.options.logger.info('client missed a pong, closing');
      this.ws.terminate();
      return;
    }
    this.awaitingPong = true;
    this.ws.ping();
  }

  private onClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearInterval(this.pingTimer);
    this.options.onClose();
  }
}
