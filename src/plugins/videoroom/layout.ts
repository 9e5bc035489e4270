/**
 * Changes of a room's layout and settings as data (decision 14): with a shared store they run at the
 * room's owner proxy, whichever proxy needed them, so they travel over the bus.
 */
import { z } from 'zod';
import type { JsonObject } from '../../protocol/messages.js';
import type { ParticipantId, ParticipantRecord } from '../../store/room-store.js';
import type { LiveRoom, MirrorRepair, RemovalReason } from './room.js';

export type LayoutCommand =
  /** Place a publisher of proxy `proxy` (its placeholder is written); `fresh`: a new backend that proxy's client would be placed on. */
  | { op: 'place'; id?: ParticipantId; proxy: string; fresh?: string }
  /** Open the room on `backend` with every publisher mirrored there. */
  | { op: 'open'; backend: string }
  /** A proxy found the room gone from `backend`: it leaves it unless the owner finds it there. */
  | { op: 'drop'; backend: string }
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
  /**
   * Copies made again: `mirrors` (their creation failed where they were asked for), any the record
   * misses, and with `verify` (the owner took the room over) any the backends do not list.
   */
  | { op: 'repair'; mirrors: MirrorRepair[]; verify: boolean }
  /** Nothing but what every change does first (dropping the placeholders of dead proxies' joins). */
  | { op: 'check' };

/** Runs one command on the room, in its queue, at its owner; resolves to the command's result. */
export type LayoutRunner = (room: LiveRoom, command: LayoutCommand) => Promise<JsonObject>;

const id = z.union([z.number(), z.string()]);
const jsonObject = z.record(z.string(), z.unknown());
/** A participant as the store holds it: only what the owner relies on is checked. */
const participant = z.looseObject({ id, backend: z.string(), streams: z.array(jsonObject), mirrors: z.record(z.string(), jsonObject) });

const layoutCommand = z.discriminatedUnion('op', [
  z.object({ op: z.literal('place'), id: id.optional(), proxy: z.string(), fresh: z.string().optional() }),
  z.object({ op: z.literal('open'), backend: z.string() }),
  z.object({ op: z.literal('drop'), backend: z.string() }),
  z.object({ op: z.literal('drop-if-idle'), backend: z.string() }),
  z.object({ op: z.literal('published'), participant: id }),
  z.object({ op: z.literal('display'), participant: id }),
  z.object({ op: z.literal('unmirror'), participant, reason: z.enum(['unpublished', 'kicked', 'left']), originAlive: z.boolean() }),
  z.object({ op: z.literal('edit'), body: jsonObject }),
  z.object({ op: z.literal('destroy') }),
  z.object({ op: z.literal('allowed'), action: z.string(), list: z.array(z.string()).optional() }),
  z.object({ op: z.literal('record'), record: z.boolean() }),
  z.object({ op: z.literal('repair'), mirrors: z.array(z.object({ participant: id, backend: z.string() })), verify: z.boolean() }),
  z.object({ op: z.literal('check') }),
]);

/** A command received over the bus, checked at the edge; undefined when it is not one. */
export function asLayoutCommand(value: unknown): LayoutCommand | undefined {
  const parsed = layoutCommand.safeParse(value);
  // The schema checks what the owner relies on; the rest of a participant record is carried as it came.
  return parsed.success ? value as LayoutCommand : undefined;
}
