/**
 * Where backend server records live: in this process (memory, the default) or in Redis, shared by
 * every proxy and sentinel of the cluster. Implementations never scan keys on the hot path.
 */
import type { ServerRecord, ServerReport, ServerSource } from '../protocol/server-record.js';

export interface ServerStore {
  /** Creates or updates the record named in the report and returns the merged record. */
  upsert(report: ServerReport, source: ServerSource, nowMs: number): Promise<ServerRecord>;
  get(name: string): Promise<ServerRecord | undefined>;
  list(): Promise<ServerRecord[]>;
  /** Sets or clears an operator's drain on a record; undefined when there is no such record. */
  setDrained(name: string, drained: boolean, nowMs: number): Promise<ServerRecord | undefined>;
  /** Returns false when there was no such record. */
  remove(name: string): Promise<boolean>;
  /**
   * Calls `listener` with a server's name whenever any process changes or removes that record
   * (in memory: this process only). Returns an unsubscribe function.
   */
  onChange(listener: (name: string) => void): () => void;
  /** Resolves once change notifications are flowing (Redis: the subscription is live). */
  subscribed?(): Promise<void>;
  close(): Promise<void>;
}
