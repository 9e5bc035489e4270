/**
 * Two Janus API servers (e.g. the proxy and the reference relay, or two proxy builds) under the same
 * closed-loop load at the same time: in every round both carry `sessions` echotest sessions
 * concurrently, in front of the same Janus. Whatever else the machine does in a round hits both
 * within the same window, so the per-round difference of their CPU per message varies far less
 * than between alternating rounds (on this 2-core VM: about ±1 µs against ±3 µs).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runThroughput, type ThroughputResult } from './throughput.js';

export type PairedSide = { url: string; pid: number };

export type PairedResult = {
  sessions: number;
  /** CPU per message (µs) of each side, per round. */
  a: number[];
  b: number[];
  /** a − b per round (µs). */
  diffs: number[];
  errors: number;
  lost: number;
};

export function cpuPerMessage(r: ThroughputResult): number {
  return r.cpuUs.proxy ? (r.cpuUs.proxy.user + r.cpuUs.proxy.system) / r.messages : Number.NaN;
}

export async function runPaired(a: PairedSide, b: PairedSide, janusPid: number, sessions: number, rounds: number, onRound?: (round: number, ra: ThroughputResult, rb: ThroughputResult) => void): Promise<PairedResult> {
  const result: PairedResult = { sessions, a: [], b: [], diffs: [], errors: 0, lost: 0 };
  for (let round = 1; round <= rounds; round++) {
    const [ra, rb] = await Promise.all([
      runThroughput(a.url, sessions, { janus: janusPid, proxy: a.pid }),
      runThroughput(b.url, sessions, { janus: janusPid, proxy: b.pid }),
    ]);
    const [ca, cb] = [cpuPerMessage(ra), cpuPerMessage(rb)];
    result.a.push(ca);
    result.b.push(cb);
    result.diffs.push(ca - cb);
    result.errors += ra.errors + rb.errors;
    result.lost += ra.lost + rb.lost;
    onRound?.(round, ra, rb);
    await sleep(500);
  }
  return result;
}

export function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
