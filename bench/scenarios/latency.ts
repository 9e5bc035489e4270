/**
 * Sequential latency: one connection, one request at a time, each iteration a full session life
 * (create, attach echotest, message, keepalive, detach, destroy). Direct and proxy blocks alternate.
 */
import { performance } from 'node:perf_hooks';
import { BenchClient } from '../client.js';
import { ECHOTEST, config } from '../config.js';
import { Samples } from '../stats.js';
import { cpuDelta, cpuSnapshot, otherCores, type ProcessIds } from '../cpu.js';
import { exchange, idOf } from './exchange.js';

export const LATENCY_VERBS = ['create', 'attach', 'message → ack', 'message → event', 'keepalive', 'detach', 'destroy'] as const;
export type LatencyVerb = (typeof LATENCY_VERBS)[number];
export type LatencySamples = Record<LatencyVerb, Samples>;
export type LatencyResult = {
  direct: LatencySamples;
  proxy: LatencySamples;
  iterations: number;
  /** CPU used by other processes on the machine while measuring, in cores. */
  otherCores: number;
  /** Measured messages whose `event` arrived before their `ack`. */
  eventFirst: { direct: number; proxy: number };
};

const TIMEOUT_MS = 5000;

function emptySamples(): LatencySamples {
  return Object.fromEntries(LATENCY_VERBS.map((v) => [v, new Samples(4096)])) as LatencySamples;
}

type Into = { samples: LatencySamples; eventFirst: number };

async function iteration(client: BenchClient, into: Into | undefined): Promise<void> {
  const create = await exchange(client, { janus: 'create' }, false, TIMEOUT_MS);
  const session_id = idOf(create.reply, 'create');
  const attach = await exchange(client, { janus: 'attach', session_id, plugin: ECHOTEST }, false, TIMEOUT_MS);
  const handle_id = idOf(attach.reply, 'attach');
  const message = await exchange(client, { janus: 'message', session_id, handle_id, body: { audio: true } }, true, TIMEOUT_MS);
  const keepalive = await exchange(client, { janus: 'keepalive', session_id }, false, TIMEOUT_MS);
  const detach = await exchange(client, { janus: 'detach', session_id, handle_id }, false, TIMEOUT_MS);
  const destroy = await exchange(client, { janus: 'destroy', session_id }, false, TIMEOUT_MS);
  if (!into) return;
  const s = into.samples;
  s.create.add(create.replyMs);
  s.attach.add(attach.replyMs);
  s['message → ack'].add(message.replyMs);
  s['message → event'].add(message.eventMs ?? Number.NaN);
  s.keepalive.add(keepalive.replyMs);
  s.detach.add(detach.replyMs);
  s.destroy.add(destroy.replyMs);
  if (message.eventFirst) into.eventFirst++;
}

async function block(client: BenchClient, iterations: number, into: Into | undefined): Promise<void> {
  for (let i = 0; i < iterations; i++) await iteration(client, into);
}

export async function runLatency(directUrl: string, proxyUrl: string, pids: ProcessIds): Promise<LatencyResult> {
  const { rounds, iterationsPerRound, warmupIterations } = config.latency;
  const direct = await BenchClient.connect(directUrl);
  const proxy = await BenchClient.connect(proxyUrl);
  try {
    await block(direct, warmupIterations, undefined);
    await block(proxy, warmupIterations, undefined);
    const into = { direct: { samples: emptySamples(), eventFirst: 0 }, proxy: { samples: emptySamples(), eventFirst: 0 } };
    const cpu0 = cpuSnapshot(pids);
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      await block(direct, iterationsPerRound, into.direct);
      await block(proxy, iterationsPerRound, into.proxy);
    }
    const other = otherCores(cpuDelta(cpu0, cpuSnapshot(pids)), performance.now() - t0);
    return {
      direct: into.direct.samples,
      proxy: into.proxy.samples,
      iterations: rounds * iterationsPerRound,
      otherCores: other,
      eventFirst: { direct: into.direct.eventFirst, proxy: into.proxy.eventFirst },
    };
  } finally {
    await Promise.all([direct.close(), proxy.close()]);
  }
}
