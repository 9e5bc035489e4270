/**
 * Values found by their Janus id (a random integer below 2^53, as Janus and the proxy make them),
 * looked up once or twice per relayed message. A Map keyed by such ids keeps each key as a boxed
 * number and reads it from memory to compare: at a thousand sessions that is one more cache miss
 * per lookup, and the lookups were the proxy's most expensive single step per message (perf,
 * README Benchmarks). Here the key is the id's low 30 bits — a small integer to V8, hashed and
 * compared in place — and the value itself says whether it is the one asked for (its `id`). The
 * rare ids whose low bits another holds already (a pair in about 2^30 / n) go to a second map by
 * their whole id.
 */
const LOW_BITS = 0x3fffffff;

export class IdMap<V extends { readonly id: number }> {
  private readonly byLowBits = new Map<number, V>();
  private readonly sharingLowBits = new Map<number, V>();

  get size(): number {
    return this.byLowBits.size + this.sharingLowBits.size;
  }

  get(id: number): V | undefined {
    // `&` takes the low 32 bits of any integer below 2^53 exactly (ToInt32 is modulo 2^32).
    const value = this.byLowBits.get(id & LOW_BITS);
    if (value !== undefined && value.id === id) return value;
    return this.sharingLowBits.size === 0 ? undefined : this.sharingLowBits.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds `value` under its id, or replaces what was there under that id. */
  set(value: V): void {
    const low = value.id & LOW_BITS;
    const held = this.byLowBits.get(low);
    if (held === undefined || held.id === value.id) this.byLowBits.set(low, value);
    else this.sharingLowBits.set(value.id, value);
  }

  delete(id: number): boolean {
    const low = id & LOW_BITS;
    const held = this.byLowBits.get(low);
    if (held === undefined || held.id !== id) return this.sharingLowBits.delete(id);
    this.byLowBits.delete(low);
    // One waiting with the same low bits takes the free place.
    for (const [otherId, other] of this.sharingLowBits) {
      if ((otherId & LOW_BITS) !== low) continue;
      this.sharingLowBits.delete(otherId);
      this.byLowBits.set(low, other);
      break;
    }
    return true;
  }

  clear(): void {
    this.byLowBits.clear();
    this.sharingLowBits.clear();
  }

  *values(): IterableIterator<V> {
    yield* this.byLowBits.values();
    yield* this.sharingLowBits.values();
  }

  *keys(): IterableIterator<number> {
    for (const value of this.values()) yield value.id;
  }
}
