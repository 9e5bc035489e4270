/** CPU accounting over a measurement window: Janus, the proxy, this generator, and the whole machine. */
import { cpuTimeUs, cpuTimesUs, machineBusyUs, mainThreadCpuUs, treeCpuTimesUs } from './procfs.js';

export type ProcessIds = {
  janus: number;
  proxy?: number | undefined;
  /** Count the proxy's child processes too (`--workers N`: the primary and its workers). */
  proxyTree?: boolean | undefined;
};

/** CPU time, µs: Janus, the proxy (when in the path), this generator, and the whole machine. */
export type CpuSnapshot = {
  janus: number;
  proxy: { user: number; system: number } | undefined;
  /** The proxy's main (JavaScript) thread alone: the rest of `proxy` is GC and compiler helper threads. */
  proxyMain?: number | undefined;
  generator: number;
  machine: number;
};

export function cpuSnapshot(pids: ProcessIds): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    janus: cpuTimeUs(pids.janus),
    proxy: pids.proxy === undefined ? undefined : pids.proxyTree ? treeCpuTimesUs(pids.proxy) : cpuTimesUs(pids.proxy),
    proxyMain: pids.proxy === undefined || pids.proxyTree ? undefined : mainThreadCpuUs(pids.proxy),
    generator: own.user + own.system,
    machine: machineBusyUs(),
  };
}

export function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): CpuSnapshot {
  return {
    janus: b.janus - a.janus,
    proxy: a.proxy && b.proxy ? { user: b.proxy.user - a.proxy.user, system: b.proxy.system - a.proxy.system } : undefined,
    proxyMain: a.proxyMain !== undefined && b.proxyMain !== undefined ? b.proxyMain - a.proxyMain : undefined,
    generator: b.generator - a.generator,
    machine: b.machine - a.machine,
  };
}

export function cpuSum(a: CpuSnapshot, b: CpuSnapshot): CpuSnapshot {
  return {
    janus: a.janus + b.janus,
    proxy: a.proxy && b.proxy ? { user: a.proxy.user + b.proxy.user, system: a.proxy.system + b.proxy.system } : undefined,
    proxyMain: a.proxyMain !== undefined && b.proxyMain !== undefined ? a.proxyMain + b.proxyMain : undefined,
    generator: a.generator + b.generator,
    machine: a.machine + b.machine,
  };
}

/** Machine CPU not used by Janus, the proxy or the generator over `windowMs`, in cores: background noise. */
export function otherCores(cpu: CpuSnapshot, windowMs: number): number {
  const ours = cpu.janus + (cpu.proxy ? cpu.proxy.user + cpu.proxy.system : 0) + cpu.generator;
  return Math.max(0, cpu.machine - ours) / (windowMs * 1000);
}
