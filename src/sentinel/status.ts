/**
 * The one place that decides what status this Janus reports. Everything the sentinel observes is an
 * input (process state, liveness, operator flags, capacity); `deriveStatus` is a pure function of
 * them, and the tracker announces a change only when the derived status actually differs.
 */
import type { ServerStatus } from '../protocol/server-record.js';
import { Signal } from '../signal.js';

/**
 * `unsupervised`: the sentinel neither started nor watches a pid; liveness alone tells.
 * `running`: the process exists (it may not answer yet; liveness tells when it does).
 * `backoff`: crashed, waiting to be restarted. `stopping`: SIGTERM sent, not gone yet.
 */
export const PROCESS_STATES = ['unsupervised', 'running', 'stopping', 'stopped', 'backoff'] as const;
export type ProcessState = (typeof PROCESS_STATES)[number];

/** `slow`: answers pings, but slower than the overload threshold. */
export const LIVENESS_STATES = ['unknown', 'alive', 'slow', 'dead'] as const;
export type LivenessState = (typeof LIVENESS_STATES)[number];

export const LIFECYCLES = ['serving', 'draining', 'leaving'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

export interface StatusInputs {
  process: ProcessState;
  liveness: LivenessState;
  /** Operator maintenance: keep running, take no new placements. */
  maintenance: boolean;
  /**
   * `draining`: no new sessions, waiting for the existing ones to end (or already drained).
   * `leaving`: the sentinel is shutting down and will no longer vouch for this Janus.
   */
  lifecycle: Lifecycle;
  /** The load score has reached 1 (some configured capacity is used up). */
  atCapacity: boolean;
}

const PROCESS_GONE: ReadonlySet<ProcessState> = new Set(['stopping', 'stopped', 'backoff']);

export function deriveStatus(inputs: StatusInputs): ServerStatus {
  // A dead Janus is down whatever an operator asked for: proxies must fail its sessions over.
  if (PROCESS_GONE.has(inputs.process) || inputs.lifecycle === 'leaving') return 'down';
  if (inputs.liveness !== 'alive' && inputs.liveness !== 'slow') return 'down';
  if (inputs.lifecycle === 'draining') return 'draining';
  if (inputs.maintenance) return 'maintenance';
  if (inputs.liveness === 'slow' || inputs.atCapacity) return 'overloaded';
  return 'up';
}

export class StatusTracker {
  readonly changed: Signal<{ status: ServerStatus; previous: ServerStatus; inputs: Readonly<StatusInputs> }>;
  private current: StatusInputs;
  private derived: ServerStatus;

  constructor(initial: StatusInputs, onListenerError?: (err: unknown) => void) {
    this.changed = new Signal(onListenerError);
    this.current = { ...initial };
    this.derived = deriveStatus(this.current);
  }

  get status(): ServerStatus {
    return this.derived;
  }

  get inputs(): Readonly<StatusInputs> {
    return this.current;
  }

  update(change: Partial<StatusInputs>): void {
    this.current = { ...this.current, ...change };
    const next = deriveStatus(this.current);
    if (next === this.derived) return;
    const previous = this.derived;
    this.derived = next;
    this.changed.emit({ status: next, previous, inputs: this.current });
  }
}
