/**
 * Where a session's messages go: a WebSocket connection, or (later) an HTTP long-poll queue.
 * `claim` moves a session to another Sink; a Sink that closes tells the sessions it owns.
 */
import type { OutgoingMessage } from '../protocol/messages.js';

export interface Sink {
  readonly id: string;
  readonly open: boolean;
  send(msg: OutgoingMessage): void;
}
