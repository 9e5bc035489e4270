/** Latency samples in a growable Float64Array (no per-sample objects) and their percentiles. */
export class Samples {
  private data: Float64Array;
  private n = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float64Array(initialCapacity);
  }

  get count(): number {
    return this.n;
  }

  add(value: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = value;
  }

  addAll(other: Samples): void {
    for (let i = 0; i < other.n; i++) this.add(other.data[i] ?? 0);
  }

  /** Nearest-rank p50 and p99 (NaN when empty). */
  summary(): { p50: number; p99: number; count: number } {
    const sorted = this.data.slice(0, this.n).sort(); // typed arrays sort numerically
    const at = (p: number): number => (this.n === 0 ? Number.NaN : (sorted[Math.min(this.n, Math.max(1, Math.ceil((p / 100) * this.n))) - 1] ?? Number.NaN));
    return { p50: at(50), p99: at(99), count: this.n };
  }
}
