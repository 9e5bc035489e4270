/**
 * The pending-request table of one backend connection: every entry has a deadline, settles exactly
 * once (it is removed before it is resolved or rejected), and all are rejected when the connection
 * goes away. A request that timed out is remembered for a while so that a late reply can still be
 * cleaned up (e.g. a handle attached after we gave up on it is detached again).
 */
// Deadlines on the monotonic clock: a wall clock stepped by NTP or a VM resume must neither hold a
// request past its time nor expire every pending one at once. Imported: the global is an accessor.
import { performance } from 'node:perf_hooks';
import { JanusError, ProxyErrors } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';
import { TransactionTable } from './transaction-table.js';

const LATE_REPLY_MEMORY_MS = 60_000;

/**
 * Who learns how a request ended. An object with methods rather than a pair of closures or a
 * Promise: the relay path hands one in per message and allocates nothing else for the answer.
 */
export interface ReplyReceiver {
  /** Any reply but `error` (ack, success, pong, server_info). */
  resolve(reply: JsonObject): void;
  /** Janus's `error` reply (as a JanusError), a time-out, or the connection lost. */
  reject(err: Error): void;
}

/**
 * A receiver that is its own entry in the pending table, its deadline kept on it: the relay path's
 * per-message receiver extends it, so a pending request costs no wrapper object (fewer objects per
 * message in flight is what a scavenge copies less of). In one table at a time.
 */
export abstract class PendingReply implements ReplyReceiver {
  /** When the request times out, on the monotonic clock; set by the table. */
  deadlineMs = 0;
  abstract resolve(reply: JsonObject): void;
  abstract reject(err: Error): void;
}

/** The table's entry for a receiver that is not a PendingReply. */
class WrappedReply extends PendingReply {
  constructor(private readonly receiver: ReplyReceiver) {
    super();
  }

  resolve(reply: JsonObject): void {
    this.receiver.resolve(reply);
  }

  reject(err: Error): void {
    this.receiver.reject(err);
  }
}

/** Deadlines are checked by one sweep per table rather than a timer per request (cheaper per message). */
const SWEEP_INTERVAL_MS = 100;

/** Reply kinds that answer a request (ack, success, error, pong, server_info); `event`s with a transaction are routed as events instead. */
export function isSettlingReply(msg: JsonObject): boolean {
  const kind = msg.janus;
  return kind === 'ack' || kind === 'success' || kind === 'error' || kind === 'pong' || kind === 'server_info';
}

export class PendingRequests {
  private readonly pending = new TransactionTable<PendingReply>();
  /** What undoes a late success, for the few requests that have one (attach); kept apart from the entries. */
  private readonly lateHandlers = new Map<string, (reply: JsonObject) => void>();
  private readonly late = new Map<string, { handler: (reply: JsonObject) => void; timer: NodeJS.Timeout }>();

  get size(): number {
    return this.pending.size;
  }

  private sweepTimer: NodeJS.Timeout | undefined;

  /** `onOutcome` learns, per request, whether the backend answered (true) or not (time-out, lost: false). */
  constructor(private readonly onOutcome: (answered: boolean) => void = () => undefined) {}

  add(transaction: string, timeoutMs: number, onLateReply?: (reply: JsonObject) => void): Promise<JsonObject> {
    return new Promise<JsonObject>((resolve, reject) => {
      this.addReceiver(transaction, timeoutMs, { resolve, reject }, onLateReply);
    });
  }

  /** `add` without a Promise: `receiver` is told exactly once, from the reply's frame or the sweep. */
  addReceiver(transaction: string, timeoutMs: number, receiver: ReplyReceiver, onLateReply?: (reply: JsonObject) => void): void {
    this.sweepTimer ??= this.startSweep();
    const entry = receiver instanceof PendingReply ? receiver : new WrappedReply(receiver);
    entry.deadlineMs = performance.now() + timeoutMs;
    this.pending.set(transaction, entry);
    if (onLateReply) this.lateHandlers.set(transaction, onLateReply);
  }

  /** The late-reply handler of a request that just left the table, if it had one. */
  private takeLateHandler(transaction: string): ((reply: JsonObject) => void) | undefined {
    if (this.lateHandlers.size === 0) return undefined;
    const handler = this.lateHandlers.get(transaction);
    if (handler) this.lateHandlers.delete(transaction);
    return handler;
  }

  private startSweep(): NodeJS.Timeout {
    // Not unref'd, like the per-request timer it replaces: a pending request keeps the process alive.
    return setInterval(() => {
      this.expire(performance.now());
      if (this.pending.size === 0) this.stopSweep();
    }, SWEEP_INTERVAL_MS);
  }

  private stopSweep(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private expire(nowMs: number): void {
    this.pending.forEach((entry, transaction) => {
      // Taken, not just skipped: a receiver told below may have settled or added others meanwhile.
      if (entry.deadlineMs > nowMs || this.pending.take(transaction) !== entry) return;
      const onLateReply = this.takeLateHandler(transaction);
      if (onLateReply) this.rememberLate(transaction, onLateReply);
      this.onOutcome(false);
      entry.reject(ProxyErrors.backendTimeout());
    });
  }

  /** Settles the request owning this reply's transaction. Returns false when nobody was waiting for it. */
  settle(transaction: string, reply: JsonObject): boolean {
    const entry = this.pending.take(transaction);
    if (entry) {
      this.takeLateHandler(transaction);
      this.onOutcome(true);
      if (reply.janus === 'error') entry.reject(errorFromReply(reply));
      else entry.resolve(reply);
      return true;
    }
    const late = this.late.get(transaction);
    if (late) {
      this.late.delete(transaction);
      clearTimeout(late.timer);
      if (reply.janus !== 'error') late.handler(reply);
      return true;
    }
    return false;
  }

  /**
   * Settles the request owning this transaction with `err` instead of the reply that came (the
   * backend did answer: it counts as one). False when nobody was waiting for it.
   */
  fail(transaction: string, err: Error): boolean {
    const entry = this.pending.take(transaction);
    if (!entry) return false;
    this.takeLateHandler(transaction);
    this.onOutcome(true);
    entry.reject(err);
    return true;
  }

  /** Rejects every pending request (connection lost or closed). */
  rejectAll(err: Error = ProxyErrors.backendLost()): void {
    const entries = this.pending.drain();
    this.lateHandlers.clear();
    if (entries.length > 0) this.onOutcome(false);
    for (const entry of entries) entry.reject(err);
  }

  clear(): void {
    this.stopSweep();
    this.rejectAll();
    for (const { timer } of this.late.values()) clearTimeout(timer);
    this.late.clear();
  }

  private rememberLate(transaction: string, handler: (reply: JsonObject) => void): void {
    const timer = setTimeout(() => this.late.delete(transaction), LATE_REPLY_MEMORY_MS);
    timer.unref();
    this.late.set(transaction, { handler, timer });
  }
}

/** A backend `error` reply as a JanusError that keeps Janus's numeric code and reason. */
export function errorFromReply(reply: JsonObject): JanusError {
  const error = reply.error as { code?: unknown; reason?: unknown } | undefined;
  const code = typeof error?.code === 'number' ? error.code : 490;
  const reason = typeof error?.reason === 'string' ? error.reason : undefined;
  return new JanusError(code, reason);
}
