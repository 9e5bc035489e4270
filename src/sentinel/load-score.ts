/**
 * One number for how full this Janus is: the highest of its utilisation ratios (sessions, handles,
 * bandwidth, CPU) against the configured capacity, clamped to 0..1. The busiest resource is the one
 * that will fail first, so it is the max, not an average.
 */
export interface LoadFigures {
  sessions?: number | undefined;
  handles?: number | undefined;
  cpu_percent?: number | undefined;
  memory_bytes?: number | undefined;
  bandwidth_in_bps?: number | undefined;
  bandwidth_out_bps?: number | undefined;
}

export interface Capacity {
  maxSessions?: number | undefined;
  maxHandles?: number | undefined;
  maxBandwidthBps?: number | undefined;
  /** Percent of one core counted as full, e.g. 400 on a four-core machine. */
  maxCpuPercent: number;
}

function ratio(value: number | undefined, max: number | undefined): number | undefined {
  return value === undefined || max === undefined || max <= 0 ? undefined : value / max;
}

/** Undefined when no figure has a capacity to compare with. */
export function loadScore(figures: LoadFigures, capacity: Capacity): number | undefined {
  const bandwidth = figures.bandwidth_in_bps === undefined && figures.bandwidth_out_bps === undefined
    ? undefined
    : (figures.bandwidth_in_bps ?? 0) + (figures.bandwidth_out_bps ?? 0);
  const ratios = [
    ratio(figures.sessions, capacity.maxSessions),
    ratio(figures.handles, capacity.maxHandles),
    ratio(bandwidth, capacity.maxBandwidthBps),
    ratio(figures.cpu_percent, capacity.maxCpuPercent),
  ].filter((r): r is number => r !== undefined && Number.isFinite(r));
  if (ratios.length === 0) return undefined;
  return Math.round(Math.min(1, Math.max(0, ...ratios)) * 1000) / 1000;
}
