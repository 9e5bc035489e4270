/**
 * Values found by their Janus id (a random integer below 2^53, as Janus and the proxy make them),
 * looked up once or twice per relayed message. A Map keyed by such ids keeps each key as a boxed
 * number and reads it from memory to compare: at a thousand sessions that is one more cache miss
 * per lookup, and the lookups were the proxy's most expensive single step per message (perf,
 * README Benchmarks). Here the key is the id's low 30 bits — a small integer to V8, hashed and
 * compared in place — and the value itself says whether it is the one asked for (its SplitId). The
 * rare ids whose low bits another holds already (a pair in about 2^30 / n) go to a second map by
 * their whole id.
 */
const LOW_BITS = 0x3fffffff;
const TWO_30 = 2 ** 30;

/**
 * An id also kept as two small integers, its bits above and below the 30th, so that it is compared
 * without reading `id`: V8 keeps a number field beyond the small-integer range in a box apart from
 * its object, one more memory read per compare on the per-message path (the recent handle, the
 * value an IdMap found).
 */
export interface SplitId {
  readonly id: number;
  readonly idLow: number;
  readonly idHigh: number;
}

/** `SplitId.idLow` of `id`. */
export function idLow(id: number): number {
  return id - idHigh(id) * TWO_30;
}

/** `SplitId.idHigh` of `id`. */
export function idHigh(id: number): number {
  return Math.floor(id / TWO_30);
}

/** Whether `holder`'s id is `id` (any number: a fraction or NaN matches none). */
export function holdsId(holder: SplitId, id: number): boolean {
  const high = idHigh(id);
  return holder.idHigh === high && holder.idLow === id - high * TWO_30;
}

export class IdMap<V extends SplitId> {
  private readonly byLowBits = new Map<number, V>();
  private readonly sharingLowBits = new Map<number, V>();

  get size(): number {
    return this.byLowBits.size + this.sharingLowBits.size;
  }

  get(id: number): V | undefined {
    // `&` takes the low 32 bits of any integer below 2^53 exactly (ToInt32 is modulo 2^32).
    const value = this.byLowBits.get(id & LOW_BITS);
    if (value !== undefined && holdsId(value, id)) return value;
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
