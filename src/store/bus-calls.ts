/**
 * A question to one proxy and its answer, over the bus: for rare operator requests (the Janus Admin
 * API asking the proxy that holds a session about it), never for relayed client messages.
 *
 * Messages on `topic`: {kind: 'call', id, body} → the answerer's reply {kind: 'answer', id, body}.
 */
import { isJsonObject, type JsonObject } from '../protocol/messages.js';
import type { MessageBus } from './bus.js';

export type BusAnswerer = (body: JsonObject, from: string) => Promise<JsonObject>;

interface Waiting {
  resolve(body: JsonObject | undefined): void;
  timer: NodeJS.Timeout;
}

export class BusCalls {
  private readonly waiting = new Map<string, Waiting>();
  private nextId = 1;
  private readonly unsubscribe: () => void;

  constructor(private readonly bus: MessageBus, private readonly topic: string, answer: BusAnswerer) {
    this.unsubscribe = bus.subscribe(topic, (message, from) => { this.onMessage(message, from, answer); });
  }

  /**
   * The answer of proxy `to`; undefined when no proxy listens there, none came within `timeoutMs`
   * or `signal` gave up waiting (e.g. the answerer was found dead meanwhile).
   */
  async call(to: string, body: JsonObject, timeoutMs: number, signal?: AbortSignal): Promise<JsonObject | undefined> {
    const id = `${this.bus.proxyId}/${String(this.nextId++)}`;
    const answered = new Promise<JsonObject | undefined>((resolve) => {
      const timer = setTimeout(() => { this.settle(id, undefined); }, timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve, timer });
    });
    if (signal?.aborted) {
      this.settle(id, undefined);
      return answered;
    }
    signal?.addEventListener('abort', () => { this.settle(id, undefined); }, { once: true });
    const delivered = await this.bus.publish(to, this.topic, { kind: 'call', id, body }).catch(() => false);
    if (!delivered) this.settle(id, undefined);
    return answered;
  }

  close(): void {
    this.unsubscribe();
    for (const id of [...this.waiting.keys()]) this.settle(id, undefined);
  }

  private settle(id: string, body: JsonObject | undefined): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    clearTimeout(w.timer);
    w.resolve(body);
  }

  private onMessage(message: JsonObject, from: string, answer: BusAnswerer): void {
    const { kind, id, body } = message;
    if (typeof id !== 'string' || !isJsonObject(body)) return;
    if (kind === 'answer') {
      this.settle(id, body);
    } else if (kind === 'call') {
      void answer(body, from).then(
        (reply) => this.bus.publish(from, this.topic, { kind: 'answer', id, body: reply }),
      ).catch(() => undefined);
    }
  }
}
