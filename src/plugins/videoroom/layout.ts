/**
 * Changes of a room's layout and settings as data (decision 14): with a shared store they run at the
 * room's owner proxy, whichever proxy needed them, so they travel over the bus.
 */
import type { JsonObject } from '../../protocol/messages.js';
import type { ParticipantId, ParticipantRecord } from '../../store/room-store.js';
import type { LiveRoom, RemovalReason } from './room.js';

export type LayoutCommand =
  /** Place a publisher of proxy `proxy` (its placeholder is written); `fresh`: a new backend that proxy's client would be placed on. */
  | { op: 'place'; id?: ParticipantId; proxy: string; fresh?: string }
  /** Open the room on `backend` with every publisher mirrored there. */
  | { op: 'open'; backend: string }
  /** The room leaves `backend` (`alive`: its Janus still answers). */
  | { op: 'drop'; backend: string; alive: boolean }
  /** The room leaves `backend` if no proxy has anyone on it. */
  | { op: 'drop-if-idle'; backend: string }
  /** The publisher published or renegotiated: its copies follow. */
  | { op: 'published'; participant: ParticipantId }
  /** Only the publisher's display or metadata changed. */
  | { op: 'display'; participant: ParticipantId }
  /** Every copy of the publisher goes (`participant` as it was when it stopped). */
  | { op: 'unmirror'; participant: ParticipantRecord; reason: RemovalReason; originAlive: boolean }
  | { op: 'edit'; body: JsonObject }
  | { op: 'destroy' }
  | { op: 'allowed'; action: string; list?: string[] }
  | { op: 'record'; record: boolean }
  /** Nothing but what every change does first (dropping the placeholders of dead proxies' joins). */
  | { op: 'check' };

export type LayoutOp = LayoutCommand['op'];

/** Runs one command on the room, in its queue, at its owner; resolves to the command's result. */
export type LayoutRunner = (room: LiveRoom, command: LayoutCommand) => Promise<JsonObject>;

const OPS: readonly string[] = [
  'place', 'open', 'drop', 'drop-if-idle', 'published', 'display', 'unmirror', 'edit', 'destroy', 'allowed', 'record', 'check',
] satisfies LayoutOp[];

/** A command received over the bus (sent by a proxy of this cluster, so only its kind is checked). */
export function asLayoutCommand(value: unknown): LayoutCommand | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const op = (value as { op?: unknown }).op;
  return typeof op === 'string' && OPS.includes(op) ? value as LayoutCommand : undefined;
}
