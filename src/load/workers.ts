// --workers N: the same command forked N times, each driving its share (--worker-index/--worker-count),
// reporting progress and its raw figures over IPC; the parent sums them and forwards Ctrl-C.
import { fork, type ChildProcess } from 'node:child_process';
import type { Progress } from './runner.js';
import { mergeStats, type RawStats } from './stats.js';

export type WorkerMessage = { type: 'progress'; progress: Progress } | { type: 'stats'; stats: RawStats };

/** The flags of this run minus --workers/--json, plus the worker's share; the room base is fixed for all. */
function workerArgs(argv: string[], index: number, count: number, roomBase: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const name = arg.split('=')[0];
    if (name === '--workers' || name === '--json' || name === '--html' || name === '--room-base') {
      if (!arg.includes('=')) i++;
      continue;
    }
    out.push(arg);
  }
  return [...out, '--room-base', String(roomBase), '--worker-index', String(index), '--worker-count', String(count)];
}

export async function runWorkers(
  argv: string[], count: number, roomBase: number, stop: AbortSignal, onProgress: (p: Progress) => void,
): Promise<RawStats> {
  const children: ChildProcess[] = [];
  const latest: Progress[] = [];
  const results = Array.from({ length: count }, (_, index) => new Promise<RawStats>((resolve, reject) => {
    // Same script, same loader flags (tsx in development), stdio inherited for the workers' stderr.
    const child = fork(process.argv[1] ?? '', workerArgs(argv, index, count, roomBase), { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(child);
    let stats: RawStats | undefined;
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'stats') stats = m.stats;
      else {
        latest[index] = m.progress;
        const all = Object.values(latest);
        onProgress({
          phase: all.every((p) => p.phase !== 'ramp') ? (all.some((p) => p.phase === 'run') ? 'run' : 'stop') : 'ramp',
          started: all.reduce((n, p) => n + p.started, 0), planned: all.reduce((n, p) => n + p.planned, 0),
          connected: all.reduce((n, p) => n + p.connected, 0), failed: all.reduce((n, p) => n + p.failed, 0),
          verified: all.reduce((n, p) => n + p.verified, 0), cpuPct: Math.max(...all.map((p) => p.cpuPct)),
        });
      }
    });
    child.on('exit', (code, signal) => {
      if (stats) resolve(stats);
      else reject(new Error(`worker ${String(index)} exited (${String(code ?? signal)}) without a report`));
    });
  }));
  const forward = (): void => { for (const child of children) child.kill('SIGINT'); };
  stop.addEventListener('abort', forward);
  try {
    // Every worker has exited once all have settled: none is left behind even when one failed.
    const settled = await Promise.allSettled(results);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    return mergeStats(settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
  } finally {
    stop.removeEventListener('abort', forward);
  }
}
