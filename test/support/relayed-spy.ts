// Whether the proxy (running in this test's process) took the relay's unparsed paths: events rewritten
// in Janus's own bytes, client messages sent on with the body as written, rather than parsed and
// serialised again.
import { RelayedEvent } from '../../src/protocol/relayed-event.js';
import { BackendConnection } from '../../src/backend/connection.js';

/** Counts the events rewritten unparsed while `body` runs. */
export async function countingRewrites(body: () => Promise<void>): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back below, and always called with an event as `this`
  const rewrite = RelayedEvent.prototype.rewrite;
  let count = 0;
  RelayedEvent.prototype.rewrite = function counted(this: RelayedEvent, ...args: Parameters<RelayedEvent['rewrite']>): string {
    count++;
    return rewrite.apply(this, args);
  };
  try {
    await body();
  } finally {
    RelayedEvent.prototype.rewrite = rewrite;
  }
  return count;
}

/** Counts the plugin messages sent to a backend unparsed (BackendConnection.sendRawMessage) while `body` runs. */
export async function countingRawMessages(body: () => Promise<void>): Promise<number> {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back below, and always called on a connection
  const send = BackendConnection.prototype.sendRawMessage;
  let count = 0;
  BackendConnection.prototype.sendRawMessage = function counted(this: BackendConnection, ...args: Parameters<BackendConnection['sendRawMessage']>): void {
    count++;
    send.apply(this, args);
  };
  try {
    await body();
  } finally {
    BackendConnection.prototype.sendRawMessage = send;
  }
  return count;
}
