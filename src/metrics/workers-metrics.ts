/**
 * `/metrics` under `janus-proxy --workers N`. The workers share the admin port, so a scrape reaches
 * any one of them; answering with that worker's registry alone would hand Prometheus a different
 * process's series on every scrape. Instead the worker asks the primary, whose prom-client
 * AggregatorRegistry collects every worker's registry over the cluster IPC channel. Each worker's
 * series carry a `worker` label (ProxyMetrics.identify), so nothing is summed across workers.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'janus-cloud:metrics-request';
const ANSWER = 'janus-cloud:metrics-answer';
/** Longer than prom-client's own wait for each worker (5 s), so its timeout error is what we see. */
const ANSWER_TIMEOUT_MS = 7_000;

type Answer = { type: typeof ANSWER; id: number; text?: string; error?: string };

/** Whether an IPC message is ours, of this type (other messages share the channel: prom-client's, node:cluster's). */
function isOurs<T extends string>(message: unknown, type: T): message is { type: T; id: number; text?: unknown; error?: unknown } {
  if (typeof message !== 'object' || message === null) return false;
  const { type: actual, id } = message as { type?: unknown; id?: unknown };
  return actual === type && typeof id === 'number';
}

/** In the primary: answers each worker's request with every live worker's metrics. */
export function answerWorkersMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isOurs(message, REQUEST)) return;
    const reply = (answer: Answer): void => {
      if (worker.isConnected()) worker.send(answer);
    };
    aggregator.clusterMetrics().then(
      (text) => { reply({ type: ANSWER, id: message.id, text }); },
      (err: unknown) => { reply({ type: ANSWER, id: message.id, error: err instanceof Error ? err.message : String(err) }); },
    );
  });
}

/** In a worker: its registry joins the primary's aggregation; `text()` is every worker's metrics. */
export class WorkersMetrics {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(text: string): void; reject(err: Error): void; timer: NodeJS.Timeout }>();
  private readonly onMessage = (message: unknown): void => {
    if (!isOurs(message, ANSWER)) return;
    const request = this.pending.get(message.id);
    if (!request) return;
    this.pending.delete(message.id);
    clearTimeout(request.timer);
    if (typeof message.text === 'string') request.resolve(message.text);
    else request.reject(new Error(`metrics of the other workers: ${typeof message.error === 'string' ? message.error : 'no answer'}`));
  };

  /** The IPC channel to the primary (a worker always has one). */
  private readonly send: (message: { type: typeof REQUEST; id: number }) => void;

  constructor(private readonly registry: Registry) {
    const send = process.send?.bind(process);
    if (!send) throw new Error('WorkersMetrics: not a node:cluster worker');
    this.send = (message) => { send(message); };
    AggregatorRegistry.setRegistries([registry]);
    // Constructing one is what makes prom-client answer the primary's requests in this process.
    new AggregatorRegistry();
    process.on('message', this.onMessage);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('metrics of the other workers: the primary did not answer'));
      }, ANSWER_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ type: REQUEST, id });
    });
  }

  close(): void {
    process.off('message', this.onMessage);
    for (const [id, request] of this.pending) {
      clearTimeout(request.timer);
      request.reject(new Error('metrics of the other workers: the proxy is stopping'));
      this.pending.delete(id);
    }
  }
}
