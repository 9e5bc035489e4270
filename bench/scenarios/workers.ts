/**
 * `janus-proxy --workers 2` against one proxy process, both with `store.type: redis` (workers need
 * it), Janus on its own host: echotest throughput rounds alternating direct Janus, the one process
 * and the two workers, with the proxy's CPU read over its process tree (the primary and its workers).
 * Where Janus, the proxy and this load generator share the machine's cores, the figures say which
 * of them a second worker can help: each side's cores used are reported with its msgs/s.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { config } from '../config.js';
import { mergeRounds, runThroughput, type ThroughputResult } from './throughput.js';

export type WorkersResult = { sessions: number; direct: ThroughputResult; oneProcess: ThroughputResult; twoWorkers: ThroughputResult };

type Service = { url: string; pid: number };

export async function runWorkers(
  janus: Service, oneProcess: Service, twoWorkers: Service, sessions: number, progress: (message: string) => void,
): Promise<WorkersResult> {
  const rounds: Record<'direct' | 'oneProcess' | 'twoWorkers', ThroughputResult[]> = { direct: [], oneProcess: [], twoWorkers: [] };
  for (let round = 1; round <= config.throughput.rounds; round++) {
    progress(`workers, ${sessions} sessions, round ${round}: direct`);
    rounds.direct.push(await runThroughput(janus.url, sessions, { janus: janus.pid }));
    await sleep(500);
    progress(`workers, ${sessions} sessions, round ${round}: one proxy process`);
    rounds.oneProcess.push(await runThroughput(oneProcess.url, sessions, { janus: janus.pid, proxy: oneProcess.pid, proxyTree: true }));
    await sleep(500);
    progress(`workers, ${sessions} sessions, round ${round}: --workers 2`);
    rounds.twoWorkers.push(await runThroughput(twoWorkers.url, sessions, { janus: janus.pid, proxy: twoWorkers.pid, proxyTree: true }));
    await sleep(500);
  }
  return { sessions, direct: mergeRounds(rounds.direct), oneProcess: mergeRounds(rounds.oneProcess), twoWorkers: mergeRounds(rounds.twoWorkers) };
}
