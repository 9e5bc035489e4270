// Whether the proxy (running in this test's process) took the relay's unparsed path: events rewritten
// in Janus's own bytes rather than parsed and serialised again.
import { RelayedEvent } from '../../src/protocol/relayed-event.js';

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
