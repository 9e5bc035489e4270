/**
 * Backend selection as a pure function over a snapshot: filter (why each backend is or is not
 * eligible), then score by the configured algorithm. Reservation happens in the caller, which
 * counts the placement against the chosen backend at once.
 */

export const SELECTION_ALGORITHMS = ['least_loaded', 'round_robin', 'random'] as const;
export type SelectionAlgorithm = (typeof SELECTION_ALGORITHMS)[number];

export interface BackendSnapshot {
  name: string;
  /** Connection to the backend is open and its server info is known. */
  connected: boolean;
  plugins: ReadonlySet<string>;
  /** Handles this proxy has placed there and that are still alive (includes fresh reservations). */
  liveHandles: number;
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
}

function verdict(backend: BackendSnapshot, plugin: string): CandidateVerdict {
  if (!backend.connected) return { name: backend.name, eligible: false, reason: 'not connected' };
  if (!backend.plugins.has(plugin)) return { name: backend.name, eligible: false, reason: `no plugin ${plugin}` };
  return { name: backend.name, eligible: true };
}

export function selectBackend(
  algorithm: SelectionAlgorithm,
  backends: readonly BackendSnapshot[],
  ctx: SelectionContext,
): SelectionResult {
  const candidates = backends.map((b) => verdict(b, ctx.plugin));
  const eligible = backends.filter((_, i) => candidates[i]?.eligible === true);
  if (eligible.length === 0) return { chosen: undefined, candidates };
  let chosen: BackendSnapshot | undefined;
  switch (algorithm) {
    case 'least_loaded': {
      for (const [i, b] of backends.entries()) {
        const c = candidates[i];
        if (c?.eligible) c.score = b.liveHandles;
      }
      // Ties go to the earliest backend in configuration order, so results are stable.
      chosen = eligible.reduce((best, b) => (b.liveHandles < best.liveHandles ? b : best));
      break;
    }
    case 'round_robin':
      chosen = eligible[ctx.turn % eligible.length];
      break;
    case 'random':
      chosen = eligible[Math.floor(ctx.random() * eligible.length) % eligible.length];
      break;
  }
  return { chosen: chosen?.name, candidates };
}
