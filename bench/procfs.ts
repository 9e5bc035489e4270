/** Per-process CPU time and resident memory from /proc (Linux only). */
import { readFileSync } from 'node:fs';
import { childPids } from '../test/support/processes.js';
import { clockTicksPerSecond, parseReapedChildrenTicks, parseUserSystemTicks, parseVmRssBytes } from '../src/sentinel/proc-stats.js';

/** utime and stime of the whole process (all threads), in microseconds. */
export function cpuTimesUs(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const { user, system } = parseUserSystemTicks(stat);
  if (!Number.isFinite(user) || !Number.isFinite(system)) throw new Error(`unexpected /proc/${pid}/stat: ${stat}`);
  return { user: (user * 1e6) / clockTicksPerSecond(), system: (system * 1e6) / clockTicksPerSecond() };
}

/** utime + stime of the process's main thread (the JavaScript thread; the others are V8's GC and compiler helpers and libuv's pool), µs. */
export function mainThreadCpuUs(pid: number): number {
  const { user, system } = parseUserSystemTicks(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
  return ((user + system) * 1e6) / clockTicksPerSecond();
}

/** utime + stime of the whole process (all threads), in microseconds. */
export function cpuTimeUs(pid: number): number {
  const { user, system } = cpuTimesUs(pid);
  return user + system;
}

function addTo(total: { user: number; system: number }, ticks: { user: number; system: number }): void {
  total.user += (ticks.user * 1e6) / clockTicksPerSecond();
  total.system += (ticks.system * 1e6) / clockTicksPerSecond();
}

/**
 * utime and stime of the process and all its descendants (e.g. a primary and its node:cluster
 * workers), µs: the live ones, plus the children that exited and were reaped (cutime/cstime), so a
 * worker dying and forked again inside a window keeps its time in the sum.
 */
export function treeCpuTimesUs(pid: number): { user: number; system: number } {
  const total = cpuTimesUs(pid);
  addTo(total, parseReapedChildrenTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')));
  for (const child of childPids(pid)) {
    try {
      const sub = treeCpuTimesUs(child);
      total.user += sub.user;
      total.system += sub.system;
    } catch {
      // exited between the listing and the read: its time moves to the parent's cutime/cstime
    }
  }
  return total;
}

/** VmRSS of the process in KiB. */
export function rssKiB(pid: number): number {
  const bytes = parseVmRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (bytes === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return bytes / 1024;
}

/** Busy CPU time of the whole machine (all cores, /proc/stat: user+nice+system+irq+softirq+steal), µs. */
export function machineBusyUs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, v) => sum + (v ?? 0), 0);
  return (busy * 1e6) / clockTicksPerSecond();
}
