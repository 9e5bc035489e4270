/**
 * Keeps a local copy's edits from being undone by reads that were already on their way.
 *
 * A store that edits its local copy at once and writes to Redis behind it may have a read in flight
 * (the whole hash after a reconnection, or one key after an announcement) that was sent before the
 * edit's write: its answer holds the value the edit replaced. Commands on one connection are
 * answered in order, so a read sent after the write sees it. Hence: apply a read's answer for
 * every key but those edited since the read was sent.
 *
 *   edits.edited(field);                      // before sending the edit's write
 *   await edits.read(() => client.hgetall(hash), (answer, editedSince) => { ...skip editedSince(f) });
 */
export class LocalEdits {
  private count = 0;
  /** Each key's latest edit number, kept only while a read is in flight. */
  private readonly last = new Map<string, number>();
  private readsInFlight = 0;

  /** Call before the edit's write is sent on the connection the reads use. */
  edited(key: string): void {
    this.count += 1;
    if (this.readsInFlight > 0) this.last.set(key, this.count);
  }

  /** Sends a read and hands its answer to `use`, with which keys were edited since it was sent. */
  async read<T>(send: () => Promise<T>, use: (answer: T, editedSince: (key: string) => boolean) => void): Promise<void> {
    const sentAfter = this.count;
    this.readsInFlight += 1;
    try {
      const answer = await send();
      use(answer, (key) => (this.last.get(key) ?? 0) > sentAfter);
    } finally {
      this.readsInFlight -= 1;
      if (this.readsInFlight === 0) this.last.clear();
    }
  }
}
