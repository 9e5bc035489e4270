/**
 * Where a session's messages go: a WebSocket connection, or (later) an HTTP long-poll queue.
 * `claim` moves a session to another Sink; a Sink that closes tells the sessions it owns.
 */
import type { OutgoingMessage } from '../protocol/messages.js';
import type { ClientOrigin } from '../cluster/locality.js';

export interface Sink {
  readonly id: string;
  readonly open: boolean;
  /** Where the client connects from (address, locality hints from headers), for placement. */
  readonly origin?: ClientOrigin | undefined;
  send(msg: OutgoingMessage): void;
}
