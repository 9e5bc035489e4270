/**
 * Closed-loop echotest `message` throughput: every session has its own create + attach, then keeps
 * exactly one message in flight (the next goes out once both its `ack` and its `event` are in).
 * A warm-up, then a fixed measurement window over which messages, latencies and the CPU time of
 * Janus, the proxy and this generator are counted. The caller alternates direct and proxy rounds
 * and merges them, so a change in background load hits both sides alike.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchClient, JanusFrame } from '../client.js';
import { ECHOTEST, config } from '../config.js';
import { cpuDelta, cpuSnapshot, cpuSum, type CpuSnapshot, type ProcessIds } from '../cpu.js';
import { Samples } from '../stats.js';
import { closeAll, connectAll, idOf, mapLimit } from './exchange.js';

export type ThroughputResult = {
  sessions: number;
  connections: number;
  messages: number;
  windowMs: number;
  msgsPerSec: number;
  /** Send → event, ms, of messages completed inside the window. */
  latency: Samples;
  /** CPU time spent inside the window, µs, per process measured. */
  cpuUs: CpuSnapshot;
  errors: number;
  /** Messages still unanswered after the drain timeout. */
  lost: number;
  firstError: string | undefined;
};

/** One result over several rounds of the same load: sums of messages, windows and CPU time. */
export function mergeRounds(rounds: readonly ThroughputResult[]): ThroughputResult {
  const [first, ...rest] = rounds;
  if (!first) throw new Error('mergeRounds: no rounds');
  const merged: ThroughputResult = { ...first, latency: new Samples(1 << 16) };
  merged.latency.addAll(first.latency);
  for (const r of rest) {
    merged.messages += r.messages;
    merged.windowMs += r.windowMs;
    merged.latency.addAll(r.latency);
    merged.cpuUs = cpuSum(merged.cpuUs, r.cpuUs);
    merged.errors += r.errors;
    merged.lost += r.lost;
    merged.firstError ??= r.firstError;
  }
  merged.msgsPerSec = (merged.messages * 1000) / merged.windowMs;
  return merged;
}

type Loop = {
  client: BenchClient;
  /** The request text up to the transaction value; `"}` closes it. */
  prefix: string;
  sentAt: number;
  acked: boolean;
  eventAt: number;
  handler: (frame: JanusFrame, receivedAt: number) => boolean;
};

async function openSession(client: BenchClient): Promise<{ sessionId: number; handleId: number }> {
  const timeoutMs = config.throughput.requestTimeoutMs;
  const create = await client.call({ janus: 'create' }, timeoutMs);
  const sessionId = idOf(create, 'create');
  const attach = await client.call({ janus: 'attach', session_id: sessionId, plugin: ECHOTEST }, timeoutMs);
  return { sessionId, handleId: idOf(attach, 'attach') };
}

/** Called right before and right after the measured window (e.g. to read counters elsewhere). */
export type WindowHooks = { atStart(): Promise<void>; atEnd(): Promise<void> };

export async function runThroughput(url: string, sessions: number, pids: ProcessIds, hooks?: WindowHooks): Promise<ThroughputResult> {
  const { sessionsPerConnection, warmupMs, measureMs, drainTimeoutMs } = config.throughput;
  const connections = Math.ceil(sessions / sessionsPerConnection);
  const clients = await connectAll(url, connections);
  const opened: { client: BenchClient; sessionId: number }[] = [];
  try {
    // Setup: at most 50 create+attach pairs in flight per connection.
    const owners = Array.from({ length: sessions }, (_, i) => clients[i % connections] as BenchClient);
    const ids = await mapLimit(owners, 50 * connections, async (client) => {
      const s = await openSession(client);
      opened.push({ client, sessionId: s.sessionId });
      return { client, ...s };
    });

    const latency = new Samples(1 << 16);
    let measuring = false;
    let stopping = false;
    let messages = 0;
    let inFlight = 0;
    let errors = 0;
    let firstError: string | undefined;

    const send = (loop: Loop): void => {
      loop.acked = false;
      loop.eventAt = 0;
      const transaction = loop.client.nextTransaction();
      loop.sentAt = performance.now();
      loop.client.sendText(`${loop.prefix}${transaction}"}`, transaction, loop.handler);
    };

    const loops = ids.map(({ client, sessionId, handleId }): Loop => {
      const loop: Loop = {
        client,
        prefix: `{"janus":"message","session_id":${sessionId},"handle_id":${handleId},"body":{"audio":true},"transaction":"`,
        sentAt: 0,
        acked: false,
        eventAt: 0,
        handler: (frame, receivedAt) => {
          const kind = frame.janus;
          if (kind === 'ack') loop.acked = true;
          else if (kind === 'event') loop.eventAt = receivedAt;
          else {
            errors++;
            firstError ??= JSON.stringify(frame);
            inFlight--;
            return true; // this session stops
          }
          if (!loop.acked || loop.eventAt === 0) return false;
          if (measuring) {
            messages++;
            latency.add(loop.eventAt - loop.sentAt);
          }
          if (stopping) inFlight--;
          else send(loop);
          return true;
        },
      };
      return loop;
    });

    inFlight = loops.length;
    for (const loop of loops) send(loop);
    await sleep(warmupMs);
    await hooks?.atStart();
    const cpu0 = cpuSnapshot(pids);
    const start = performance.now();
    measuring = true;
    await sleep(measureMs);
    measuring = false;
    const end = performance.now();
    const cpu1 = cpuSnapshot(pids);
    await hooks?.atEnd();
    stopping = true;
    const drainDeadline = Date.now() + drainTimeoutMs;
    while (inFlight > 0 && Date.now() < drainDeadline) await sleep(20);

    const windowMs = end - start;
    return {
      sessions,
      connections,
      messages,
      windowMs,
      msgsPerSec: (messages * 1000) / windowMs,
      latency,
      cpuUs: cpuDelta(cpu0, cpu1),
      errors,
      lost: inFlight,
      firstError,
    };
  } finally {
    // Destroy what was created (bounded), then close; Janus and the proxy would also clean up on close.
    await mapLimit(opened, 200, ({ client, sessionId }) =>
      client.open ? client.call({ janus: 'destroy', session_id: sessionId }, 5000).catch(() => undefined) : Promise.resolve(undefined),
    );
    await closeAll(clients);
  }
}
