/**
 * Backend selection as a pure function over a snapshot: filter (every backend gets a verdict and,
 * when rejected, the reason), prefer the client's locality, then score by the configured algorithm.
 * Reservation is the caller's job: it counts the placement against the chosen backend at once.
 */
import type { ServerStatus } from '../protocol/server-record.js';
import type { BreakerState } from './breaker.js';
import type { Locality } from '../protocol/origin.js';

export const SELECTION_ALGORITHMS = ['least_loaded', 'round_robin', 'random', 'weighted_random'] as const;
export type SelectionAlgorithm = (typeof SELECTION_ALGORITHMS)[number];

export interface BackendSnapshot extends Locality {
  name: string;
  /** The proxy has an open connection and knows the server's plugins. */
  connected: boolean;
  status: ServerStatus;
  expired: boolean;
  breaker: BreakerState;
  plugins: ReadonlySet<string>;
  /** Load as best known: the last report plus placements made since, else the proxy's own count. */
  sessions: number;
  handles: number;
  cpuPercent?: number | undefined;
  bandwidthBps?: number | undefined;
  maxSessions?: number | undefined;
  maxHandles?: number | undefined;
  maxBandwidthBps?: number | undefined;
}

export interface CandidateVerdict {
  name: string;
  eligible: boolean;
  reason?: string;
  score?: number;
}

export interface SelectionResult {
  chosen: string | undefined;
  candidates: CandidateVerdict[];
}

export interface SelectionContext {
  plugin: string;
  /** Monotonic counter the caller increments per decision (round robin position). */
  turn: number;
  random: () => number;
  client?: Locality | undefined;
}

/** Scale for load figures of a backend without a configured capacity. */
const DEFAULT_CAPACITY = { sessions: 1000, handles: 2000 } as const;
const WEIGHTS = { handles: 0.5, sessions: 0.2, cpu: 0.2, bandwidth: 0.1 } as const;
const MIN_RANDOM_WEIGHT = 0.05;

/** Why a backend cannot take a new handle (of `plugin`, when given); undefined when it can. */
export function rejectionReason(b: BackendSnapshot, plugin?: string): string | undefined {
  if (b.status !== 'up') return `status ${b.status}`;
  if (b.expired) return 'report expired';
  if (!b.connected) return 'not connected';
  if (b.breaker === 'open') return 'circuit breaker open';
  if (plugin !== undefined && !b.plugins.has(plugin)) return `no plugin ${plugin}`;
  if (b.maxSessions !== undefined && b.sessions >= b.maxSessions) return `at capacity (${b.sessions}/${b.maxSessions} sessions)`;
  if (b.maxHandles !== undefined && b.handles >= b.maxHandles) return `at capacity (${b.handles}/${b.maxHandles} handles)`;
  if (b.maxBandwidthBps !== undefined && b.bandwidthBps !== undefined && b.bandwidthBps >= b.maxBandwidthBps) return 'at capacity (bandwidth)';
  return undefined;
}

/** Load from 0 (idle) upwards (1 = at capacity), lower is better. */
export function loadScore(b: BackendSnapshot): number {
  const handles = b.handles / (b.maxHandles ?? DEFAULT_CAPACITY.handles);
  const sessions = b.sessions / (b.maxSessions ?? DEFAULT_CAPACITY.sessions);
  const cpu = (b.cpuPercent ?? 0) / 100;
  const bandwidth = b.maxBandwidthBps && b.bandwidthBps !== undefined ? b.bandwidthBps / b.maxBandwidthBps : 0;
  const score = WEIGHTS.handles * handles + WEIGHTS.sessions * sessions + WEIGHTS.cpu * cpu + WEIGHTS.bandwidth * bandwidth;
  return Math.round(score * 1e6) / 1e6;
}

function localityMatches(b: BackendSnapshot, client: Locality | undefined): number {
  if (!client) return 0;
  let matches = 0;
  for (const key of ['region', 'location', 'isp'] as const) if (client[key] !== undefined && client[key] === b[key]) matches++;
  return matches;
}

/** Among eligible backends, those closest to the client; all of them when none matches. */
function preferLocal(eligible: BackendSnapshot[], client: Locality | undefined): BackendSnapshot[] {
  const best = Math.max(0, ...eligible.map((b) => localityMatches(b, client)));
  return best === 0 ? eligible : eligible.filter((b) => localityMatches(b, client) === best);
}

function pick(algorithm: SelectionAlgorithm, pool: BackendSnapshot[], ctx: SelectionContext): BackendSnapshot | undefined {
  switch (algorithm) {
    case 'least_loaded':
      // Ties go to the earliest backend in snapshot order, so results are stable.
      return pool.reduce<BackendSnapshot | undefined>((best, b) => (!best || loadScore(b) < loadScore(best) ? b : best), undefined);
    case 'round_robin': {
      const ordered = [...pool].sort((a, b) => a.name.localeCompare(b.name));
      return ordered[ctx.turn % ordered.length];
    }
    case 'random':
      return pool[Math.floor(ctx.random() * pool.length) % pool.length];
    case 'weighted_random': {
      const weights = pool.map((b) => Math.max(MIN_RANDOM_WEIGHT, 1 - loadScore(b)));
      let draw = ctx.random() * weights.reduce((a, w) => a + w, 0);
      for (const [i, b] of pool.entries()) {
        draw -= weights[i] ?? 0;
        if (draw < 0) return b;
      }
      return pool[pool.length - 1];
    }
  }
}

export function selectBackend(algorithm: SelectionAlgorithm, backends: readonly BackendSnapshot[], ctx: SelectionContext): SelectionResult {
  const candidates: CandidateVerdict[] = backends.map((b) => {
    const reason = rejectionReason(b, ctx.plugin);
    return reason === undefined ? { name: b.name, eligible: true, score: loadScore(b) } : { name: b.name, eligible: false, reason };
  });
  const eligible = backends.filter((_, i) => candidates[i]?.eligible === true);
  if (eligible.length === 0) return { chosen: undefined, candidates };
  const local = preferLocal(eligible, ctx.client);
  if (local.length < eligible.length) {
    for (const c of candidates) if (c.eligible && !local.some((b) => b.name === c.name)) c.reason = 'farther from the client';
  }
  return { chosen: pick(algorithm, local, ctx)?.name, candidates };
}
