/**
 * Where a session's messages go: a WebSocket connection, or an HTTP long-poll queue.
 * `claim` moves a session to another Sink; a Sink that closes tells the sessions it owns.
 */
import type { OutgoingMessage } from '../protocol/messages.js';
import type { ClientOrigin } from '../protocol/origin.js';

export interface Sink {
  readonly id: string;
  readonly open: boolean;
  /** Where the client connects from (address, locality hints from headers), for placement. */
  readonly origin?: ClientOrigin | undefined;
  send(msg: OutgoingMessage): void;
  /** `send` for a message already in compact JSON (a relayed event); without it, such messages are parsed for `send`. */
  sendJson?(json: string): void;
  /** 'http' for an HTTP request or long-poll queue; a WebSocket connection (the default) leaves it out. */
  readonly transport?: 'http' | undefined;
  /**
   * Where the events of a session created or claimed through this Sink go; without it, this Sink.
   * An HTTP request answers once, so it names its session's long-poll queue instead (Janus's
   * `session_created` / `session_claimed`).
   */
  ownerFor?(sessionId: number): Sink;
  /** This Sink no longer owns the session: destroyed, timed out or claimed elsewhere (Janus's `session_over`). */
  release?(sessionId: number): void;
}
