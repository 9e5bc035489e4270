/**
 * A typed, synchronous notification list, instead of untyped EventEmitters: the sentinel's modules
 * tell each other about changes through these, and Janus connections tell their users they closed.
 * A throwing listener is reported and skipped, so it can neither stop the other listeners nor break
 * the emitter's own state update.
 */
export class Signal<T> {
  private readonly listeners = new Set<(value: T) => void>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  /** Returns a function that removes the listener. */
  on(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
