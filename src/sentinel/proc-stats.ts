/**
 * Figures about one process from Linux /proc: CPU time, resident memory, start time, and the
 * network byte counters of its network namespace (on a Janus host that is Janus's traffic; in a
 * shared namespace it includes everyone's). Parsers are pure; readers return undefined when the
 * process is gone.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcSample {
  pid: number;
  atMs: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  rssBytes: number | undefined;
  net: { rxBytes: number; txBytes: number } | undefined;
}

/** Fields after the `(comm)` of /proc/PID/stat; comm may contain spaces and parentheses. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
}

/** utime (field 14) and stime (field 15). */
export function parseUserSystemTicks(stat: string): { user: number; system: number } {
  const fields = statFields(stat);
  return { user: Number(fields[11]), system: Number(fields[12]) };
}

/** cutime (field 16) and cstime (field 17): the CPU time of children that exited and were waited for. */
export function parseReapedChildrenTicks(stat: string): { user: number; system: number } {
  const fields = statFields(stat);
  return { user: Number(fields[13]), system: Number(fields[14]) };
}

/** utime + stime. */
export function parseCpuTicks(stat: string): number {
  const { user, system } = parseUserSystemTicks(stat);
  return user + system;
}

/** starttime (field 22): clock ticks after boot. */
export function parseStartTicks(stat: string): number {
  return Number(statFields(stat)[19]);
}

export function parseVmRssBytes(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
}

export function parseBootTimeS(stat: string): number | undefined {
  const match = /^btime\s+(\d+)/m.exec(stat);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Sums receive/transmit bytes over `interfaces`, or over every interface but loopback when empty. */
export function parseNetDev(text: string, interfaces: readonly string[]): { rxBytes: number; txBytes: number } {
  let rxBytes = 0;
  let txBytes = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const wanted = interfaces.length > 0 ? interfaces.includes(name) : name !== 'lo';
    if (!wanted) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    rxBytes += Number(fields[0]);
    txBytes += Number(fields[8]);
  }
  return { rxBytes, txBytes };
}

let clockTicks: number | undefined;

/** USER_HZ; 100 on every common Linux build, asked once in case this one differs. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function readProcSample(pid: number, interfaces: readonly string[], nowMs: number): ProcSample | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const status = readText(`/proc/${pid}/status`);
  const netDev = readText(`/proc/${pid}/net/dev`);
  return {
    pid,
    atMs: nowMs,
    cpuTicks: parseCpuTicks(stat),
    rssBytes: status === undefined ? undefined : parseVmRssBytes(status),
    net: netDev === undefined ? undefined : parseNetDev(netDev, interfaces),
  };
}

/** Epoch milliseconds at which the process started, from its start ticks and the boot time. */
export function processStartEpochMs(pid: number): number | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  const bootS = parseBootTimeS(readText('/proc/stat') ?? '');
  if (stat === undefined || bootS === undefined) return undefined;
  return Math.round(bootS * 1000 + (parseStartTicks(stat) * 1000) / clockTicksPerSecond());
}

export interface ProcRates {
  cpuPercent: number;
  rxBps: number | undefined;
  txBps: number | undefined;
}

/**
 * Samples closer together give no rate: /proc counts CPU time in clock ticks (10 ms), so one tick
 * falling into a span of a few ms would read as several cores busy.
 */
export const MIN_RATE_SPAN_MS = 100;

/** CPU percent (of one core) and network bits per second between two samples of the same process, at least MIN_RATE_SPAN_MS apart. */
export function ratesBetween(previous: ProcSample, next: ProcSample, ticksPerSecond: number): ProcRates | undefined {
  const elapsedS = (next.atMs - previous.atMs) / 1000;
  if (previous.pid !== next.pid || elapsedS * 1000 < MIN_RATE_SPAN_MS) return undefined;
  const cpuPercent = ((next.cpuTicks - previous.cpuTicks) / ticksPerSecond / elapsedS) * 100;
  const bps = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined ? undefined : Math.max(0, Math.round(((b - a) * 8) / elapsedS));
  return {
    cpuPercent: Math.max(0, Math.round(cpuPercent * 10) / 10),
    rxBps: bps(previous.net?.rxBytes, next.net?.rxBytes),
    txBps: bps(previous.net?.txBytes, next.net?.txBytes),
  };
}
