/**
 * The transactions of one backend handle still waiting for their event, oldest first: usually one,
 * at most a few dozen. Kept in two small arrays searched from the newest end rather than in a Map:
 * with a thousand sessions each handle's Map (its object, hash table and key) is cold in the CPU
 * cache on every message, while these arrays sit next to each other and hold one entry.
 */
export class OpenTransactions<V> {
  private readonly keys: string[] = [];
  private readonly values: V[] = [];

  get size(): number {
    return this.keys.length;
  }

  get(transaction: string): V | undefined {
    const i = this.keys.lastIndexOf(transaction);
    return i < 0 ? undefined : this.values[i];
  }

  /** Adds `transaction` as the newest entry (replacing an entry with the same transaction). */
  set(transaction: string, value: V): void {
    this.delete(transaction);
    this.keys.push(transaction);
    this.values.push(value);
  }

  delete(transaction: string): boolean {
    const keys = this.keys;
    // The entry answered is nearly always the only one, or the newest.
    if (keys.length === 1) {
      if (keys[0] !== transaction) return false;
      keys.pop();
      this.values.pop();
      return true;
    }
    const i = keys.lastIndexOf(transaction);
    if (i < 0) return false;
    keys.splice(i, 1);
    this.values.splice(i, 1);
    return true;
  }

  /** Drops the oldest entry (the bound on open transactions). */
  dropOldest(): void {
    this.keys.shift();
    this.values.shift();
  }
}
