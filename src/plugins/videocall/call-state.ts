/**
 * A call handle's durable state, as `CallHandle.saveState` records it with the handle's session
 * record, read back when a session take-over restores the handle on another proxy.
 */
import type { JsonObject } from '../../protocol/messages.js';
import type { CallPhase } from './call-handle.js';
import type { PartyAddress } from './peer-link.js';

export interface SavedCall {
  readonly id: string;
  readonly peer: string;
  readonly peerAddress: PartyAddress;
  readonly sdpSent: boolean;
}

export interface SavedCallState {
  readonly owner: string;
  readonly phase: CallPhase;
  readonly username: string | undefined;
  readonly call: SavedCall | undefined;
}

const PHASES: readonly CallPhase[] = ['idle', 'outgoing', 'incoming', 'active'];

/** The saved state, or undefined when the record holds none a call handle wrote. */
export function parseCallState(state: JsonObject | undefined): SavedCallState | undefined {
  if (!state || typeof state.owner !== 'string' || typeof state.phase !== 'string') return undefined;
  const phase = PHASES.find((p) => p === state.phase);
  if (phase === undefined) return undefined;
  const username = typeof state.username === 'string' ? state.username : undefined;
  return { owner: state.owner, phase, username, call: parseCall(state.call) };
}

function parseCall(value: unknown): SavedCall | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const call = value as Record<string, unknown>;
  const { id, peer, peerProxy, peerOwner } = call;
  if (typeof id !== 'string' || typeof peer !== 'string' || typeof peerProxy !== 'string' || typeof peerOwner !== 'string') return undefined;
  return { id, peer, peerAddress: { proxy: peerProxy, owner: peerOwner }, sdpSent: call.sdpSent === true };
}

/** VideoCall only: the call's backend leg, so that a take-over carries a call in progress on. */
export interface SavedLeg {
  /** This user's alias on the call's backend. */
  readonly alias: string;
  readonly backend: string;
  /** The peer's alias there (events name it; the client must see the username). */
  readonly peerAlias: string | undefined;
  /** Janus has the call (see VideoCall.live). */
  readonly live: boolean;
}

export function parseSavedLeg(state: JsonObject | undefined): SavedLeg | undefined {
  const leg = state?.leg;
  if (typeof leg !== 'object' || leg === null || Array.isArray(leg)) return undefined;
  const { alias, backend, peerAlias } = leg as Record<string, unknown>;
  if (typeof alias !== 'string' || typeof backend !== 'string') return undefined;
  return { alias, backend, peerAlias: typeof peerAlias === 'string' ? peerAlias : undefined, live: (leg as Record<string, unknown>).live === true };
}
