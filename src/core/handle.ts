/** A client-facing plugin handle: its proxy id, its plugin handle, and the queue that keeps its requests in order. */
import type { ClientHandleId } from '../protocol/ids.js';
import type { PluginHandle } from '../plugins/plugin.js';
import type { JsonObject } from '../protocol/messages.js';
import { idHigh, idLow, type SplitId } from '../protocol/id-map.js';

const settled: Promise<void> = Promise.resolve();

export class Handle implements SplitId {
  private queue: Promise<unknown> = settled;
  /** Tasks queued and not yet answered. */
  private tasks = 0;
  /** A request sent without the queue (beginDirect) is waiting for its answer. */
  private direct = false;
  /** Made only when something has to wait for the direct request: resolves when it is answered. */
  private directDone: Promise<void> | undefined;
  private endWait: (() => void) | undefined;
  private readonly taskDone = (): void => {
    this.tasks--;
  };
  pluginHandle: PluginHandle | undefined;
  detached = false;
  /** The plugin's own small record (ctx.save), kept for the handle's durable record. */
  pluginState: JsonObject | undefined;

  /** The id as JSON writes it, made once (as Session.idText). */
  readonly idText: string;
  readonly idLow: number;
  readonly idHigh: number;

  constructor(
    readonly id: ClientHandleId,
    readonly plugin: string,
    readonly opaqueId: string | undefined,
  ) {
    this.idText = String(id);
    this.idLow = idLow(id);
    this.idHigh = idHigh(id);
  }

  /** Resolves once every request queued so far on this handle has been answered. */
  idle(): Promise<void> {
    return this.tail().then(() => undefined);
  }

  /**
   * Starts a request outside the queue when nothing else is queued or on its way (the relay's
   * message: no promise per message). Whatever is queued meanwhile waits for `endDirect`, so the
   * order stays that of arrival. False: queue the request instead.
   */
  beginDirect(): boolean {
    if (this.tasks > 0 || this.direct) return false;
    this.direct = true;
    return true;
  }

  /** The direct request has its answer (sent to the client already). */
  endDirect(): void {
    this.direct = false;
    const end = this.endWait;
    this.endWait = undefined;
    this.directDone = undefined;
    end?.();
  }

  /** What the next task waits for: the queue, or the direct request when it is the last one sent. */
  private tail(): Promise<unknown> {
    if (this.tasks > 0 || !this.direct) return this.queue;
    return (this.directDone ??= new Promise<void>((resolve) => {
      this.endWait = resolve;
    }));
  }

  /**
   * Runs `task` after every task queued before it, so messages are processed in arrival order and a
   * trickle never overtakes the message carrying the SDP it belongs to.
   */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail().then(task, task);
    this.tasks++;
    this.queue = run.then(this.taskDone, this.taskDone);
    return run;
  }
}
