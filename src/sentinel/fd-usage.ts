/**
 * How many file descriptors a process holds and may hold: the entries of /proc/PID/fd and the soft
 * "Max open files" of /proc/PID/limits (what open/socket/accept fail against with EMFILE). Janus
 * 1.1.2 leaks UDP sockets for every VideoRoom copy once media flowed, so this is the figure that
 * tells when a long-running Janus must be recycled. Parsers are pure; readers return undefined when
 * the process is gone or not ours to look into (EACCES for another user's process).
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface FdUsage {
  openFds: number;
  /** The soft limit; undefined when it is `unlimited` or cannot be read. */
  maxFds: number | undefined;
}

/** The soft limit from a /proc/PID/limits text; undefined for `unlimited` or when the line is missing. */
export function parseMaxOpenFiles(limits: string): number | undefined {
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  const soft = match?.[1];
  if (soft === undefined || soft === 'unlimited') return undefined;
  const value = Number(soft);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Open descriptors as a percentage of the limit, one decimal; undefined without a limit. */
export function fdSharePercent(openFds: number, maxFds: number | undefined): number | undefined {
  if (maxFds === undefined || maxFds <= 0) return undefined;
  return Math.round((openFds / maxFds) * 1000) / 10;
}

export function readFdUsage(pid: number): FdUsage | undefined {
  let openFds: number;
  try {
    openFds = readdirSync(`/proc/${String(pid)}/fd`).length;
  } catch {
    return undefined;
  }
  let limits: string | undefined;
  try {
    limits = readFileSync(`/proc/${String(pid)}/limits`, 'utf8');
  } catch {
    limits = undefined;
  }
  return { openFds, maxFds: limits === undefined ? undefined : parseMaxOpenFiles(limits) };
}
