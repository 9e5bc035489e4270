/** A client-facing plugin handle: its proxy id, its plugin handle, and the queue that keeps its requests in order. */
import type { ClientHandleId } from '../protocol/ids.js';
import type { PluginHandle } from '../plugins/plugin.js';
import type { JsonObject } from '../protocol/messages.js';

export class Handle {
  private queue: Promise<unknown> = Promise.resolve();
  pluginHandle: PluginHandle | undefined;
  detached = false;
  /** The plugin's own small record (ctx.save), kept for the handle's durable record. */
  pluginState: JsonObject | undefined;

  constructor(
    readonly id: ClientHandleId,
    readonly plugin: string,
    readonly opaqueId: string | undefined,
  ) {}

  /** Resolves once every request queued so far on this handle has been answered. */
  idle(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  /**
   * Runs `task` after every task queued before it, so messages are processed in arrival order and a
   * trickle never overtakes the message carrying the SDP it belongs to.
   */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
