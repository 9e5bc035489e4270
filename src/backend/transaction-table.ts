/**
 * Transaction → value for the requests of one backend connection, without a JS Map insert and
 * delete per request. Why: when a Map outgrows its hash table, V8 links the old table to the new one
 * (for iterators still walking it). Once such an outgrown table sits in the old generation — as it
 * does after any quiet spell long enough for the table to be promoted — every later table, and every
 * request it held, stays reachable for young collections and is promoted: a per-message Map churn
 * then costs several times the garbage collection, for as long as the process runs (README,
 * Benchmarks). Transactions this process made (nextBackendTransaction) go to array slots picked by
 * their counter, which never link anything; any other transaction, or one whose slot is still
 * taken, goes to a Map, rarely.
 */
import { backendTransactionNumber } from '../protocol/ids.js';

const INITIAL_SLOTS = 256;
const MAX_SLOTS = 1 << 16;

export class TransactionTable<V> {
  private keys: (string | undefined)[] = slots(INITIAL_SLOTS);
  private values: (V | undefined)[] = slots(INITIAL_SLOTS);
  private inSlots = 0;
  private readonly others = new Map<string, V>();

  get size(): number {
    return this.inSlots + this.others.size;
  }

  /** Adds `transaction`, which must not be in the table already. */
  set(transaction: string, value: V): void {
    const n = backendTransactionNumber(transaction);
    if (n !== undefined && this.place(n, transaction, value)) return;
    this.others.set(transaction, value);
  }

  get(transaction: string): V | undefined {
    const i = this.slotOf(transaction);
    if (i >= 0) return this.values[i];
    return this.others.size === 0 ? undefined : this.others.get(transaction);
  }

  /** Removes `transaction`; returns its value, undefined when it was not there. */
  take(transaction: string): V | undefined {
    const i = this.slotOf(transaction);
    if (i >= 0) {
      const value = this.values[i];
      this.keys[i] = undefined;
      this.values[i] = undefined;
      this.inSlots--;
      return value;
    }
    if (this.others.size === 0) return undefined;
    const value = this.others.get(transaction);
    if (value !== undefined) this.others.delete(transaction);
    return value;
  }

  /** Calls `visit` with each entry; `visit` may take the entry it is given. */
  forEach(visit: (value: V, transaction: string) => void): void {
    const { keys, values } = this;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = values[i];
      if (key !== undefined && value !== undefined) visit(value, key);
    }
    for (const [key, value] of [...this.others]) visit(value, key);
  }

  /** Empties the table and returns what it held. */
  drain(): V[] {
    const held: V[] = [];
    this.forEach((value) => { held.push(value); });
    this.keys = slots(INITIAL_SLOTS);
    this.values = slots(INITIAL_SLOTS);
    this.inSlots = 0;
    this.others.clear();
    return held;
  }

  /** The slot holding `transaction`, or -1. */
  private slotOf(transaction: string): number {
    const n = backendTransactionNumber(transaction);
    if (n === undefined) return -1;
    const i = n % this.keys.length;
    return this.keys[i] === transaction ? i : -1;
  }

  /** Puts the entry in its counter's slot, growing the slots while they are at least half used; false: the slot is taken. */
  private place(n: number, transaction: string, value: V): boolean {
    for (;;) {
      const i = n % this.keys.length;
      if (this.keys[i] === undefined) {
        this.keys[i] = transaction;
        this.values[i] = value;
        this.inSlots++;
        return true;
      }
      if (this.inSlots * 2 < this.keys.length || this.keys.length >= MAX_SLOTS) return false;
      this.grow();
    }
  }

  /** Twice the slots; an entry whose new slot is taken moves to the Map. */
  private grow(): void {
    const { keys, values } = this;
    this.keys = slots(keys.length * 2);
    this.values = slots(keys.length * 2);
    this.inSlots = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = values[i];
      if (key === undefined || value === undefined) continue;
      const n = backendTransactionNumber(key) ?? 0;
      const j = n % this.keys.length;
      if (this.keys[j] === undefined) {
        this.keys[j] = key;
        this.values[j] = value;
        this.inSlots++;
      } else this.others.set(key, value);
    }
  }
}

/** An array of `count` empty slots, packed (filled with undefined rather than holes). */
function slots<T>(count: number): (T | undefined)[] {
  return new Array<T | undefined>(count).fill(undefined);
}
