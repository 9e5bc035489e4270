/** The default, zero-configuration server store: records in a Map, for a single proxy. */
import { mergeReport, type ServerRecord, type ServerReport, type ServerSource } from '../../protocol/server-record.js';
import type { ServerStore } from '../server-store.js';

export class MemoryServerStore implements ServerStore {
  private readonly records = new Map<string, ServerRecord>();
  private readonly listeners = new Set<(name: string) => void>();

  upsert(report: ServerReport, source: ServerSource, nowMs: number): Promise<ServerRecord> {
    const record = mergeReport(this.records.get(report.name), report, source, nowMs);
    this.records.set(report.name, record);
    this.notify(report.name);
    return Promise.resolve({ ...record });
  }

  setDrained(name: string, drained: boolean, nowMs: number): Promise<ServerRecord | undefined> {
    const record = this.records.get(name);
    if (!record) return Promise.resolve(undefined);
    const updated: ServerRecord = { ...record, drained, updated_at: nowMs };
    this.records.set(name, updated);
    this.notify(name);
    return Promise.resolve({ ...updated });
  }

  get(name: string): Promise<ServerRecord | undefined> {
    const record = this.records.get(name);
    return Promise.resolve(record ? { ...record } : undefined);
  }

  list(): Promise<ServerRecord[]> {
    return Promise.resolve([...this.records.values()].map((r) => ({ ...r })));
  }

  remove(name: string): Promise<boolean> {
    const existed = this.records.delete(name);
    if (existed) this.notify(name);
    return Promise.resolve(existed);
  }

  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): Promise<void> {
    this.listeners.clear();
    return Promise.resolve();
  }

  private notify(name: string): void {
    for (const listener of this.listeners) {
      try {
        listener(name);
      } catch {
        // A failing listener must not stop the others or the write.
      }
    }
  }
}
