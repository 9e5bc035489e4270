/** Promise helpers over BenchClient for setup and sequential measurements (not for hot loops). */
import { performance } from 'node:perf_hooks';
import { BenchClient, BenchError, describeFrame, isReply, type JanusFrame } from '../client.js';

export type Timed = { reply: JanusFrame; replyMs: number; eventMs: number | undefined; eventFirst: boolean };

/**
 * Sends `request` and resolves with its reply and the time to it; with `withEvent`, also waits for
 * the `event` carrying the same transaction (in either order) and times it too.
 */
export function exchange(client: BenchClient, request: Record<string, unknown>, withEvent: boolean, timeoutMs: number): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const transaction = client.nextTransaction();
    const text = JSON.stringify({ ...request, transaction });
    let reply: JanusFrame | undefined;
    let replyAt = 0;
    let eventAt = 0;
    let eventFirst = false;
    const timer = setTimeout(() => {
      reject(new BenchError(`${String(request.janus)} got no ${reply ? 'event' : 'reply'} within ${timeoutMs} ms`));
    }, timeoutMs);
    const sentAt = performance.now();
    client.sendText(text, transaction, (frame, receivedAt) => {
      if (frame.janus === 'error') {
        clearTimeout(timer);
        reject(new BenchError(`${String(request.janus)} failed: ${describeFrame(frame)}`));
        return true;
      }
      if (isReply(frame)) {
        reply = frame;
        replyAt = receivedAt;
      } else if (frame.janus === 'event') {
        eventAt = receivedAt;
        eventFirst = reply === undefined;
      }
      if (!reply || (withEvent && eventAt === 0)) return false;
      clearTimeout(timer);
      resolve({ reply, replyMs: replyAt - sentAt, eventMs: withEvent ? eventAt - sentAt : undefined, eventFirst });
      return true;
    });
  });
}

export function idOf(frame: JanusFrame, what: string): number {
  const id = frame.data?.id;
  if (typeof id !== 'number') throw new BenchError(`${what}: no id in ${describeFrame(frame)}`);
  return id;
}

/** Opens `count` connections in parallel. */
export async function connectAll(url: string, count: number): Promise<BenchClient[]> {
  const settled = await Promise.allSettled(Array.from({ length: count }, () => BenchClient.connect(url)));
  const clients = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await closeAll(clients);
    throw failed.reason;
  }
  return clients;
}

export async function closeAll(clients: readonly BenchClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.close()));
}

/** Runs `task` over `items` with at most `limit` in flight; resolves with the results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
