// Makes Janus replies comparable across servers: ids become placeholders in order of appearance,
// in id fields and inside reason texts; transactions likewise (only their presence and pairing matter).
import type { JanusMessage } from './janus-client.js';

const ID_KEYS = new Set(['session_id', 'sender', 'id', 'handle_id']);

export class IdNormalizer {
  private readonly ids = new Map<number, string>();
  private readonly idKeys: ReadonlySet<string>;

  /** `extraIdKeys`: further keys holding ids (e.g. VideoRoom's `private_id`). */
  constructor(extraIdKeys: Iterable<string> = []) {
    this.idKeys = new Set([...ID_KEYS, ...extraIdKeys]);
  }

  private placeholder(id: number): string {
    let name = this.ids.get(id);
    if (!name) {
      name = `#${String(this.ids.size + 1)}`;
      this.ids.set(id, name);
    }
    return name;
  }

  /** Registers an id so later reason texts naming it are normalised too. */
  learn(id: number): string {
    return this.placeholder(id);
  }

  private readonly transactions = new Map<string, string>();

  normalize(value: unknown, key = ''): unknown {
    if (key === 'transaction' && typeof value === 'string') {
      let name = this.transactions.get(value);
      if (!name) {
        name = `T${String(this.transactions.size + 1)}`;
        this.transactions.set(value, name);
      }
      return name;
    }
    if (typeof value === 'number' && this.idKeys.has(key) && value > 1_000_000) return this.placeholder(value);
    if (typeof value === 'string') return value.replace(/\d{7,}/g, (digits) => this.placeholder(Number(digits)));
    if (Array.isArray(value)) return value.map((v) => this.normalize(v));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.normalize(v, k);
      return out;
    }
    return value;
  }

  message(msg: JanusMessage): unknown {
    return this.normalize(msg);
  }
}
