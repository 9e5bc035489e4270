/**
 * The room's owner proxy (decision 14): with a shared store, one proxy makes a room's layout
 * changes; the others send it their commands over the bus and wait for its answer. A room without
 * an owner, or whose owner is gone (no one listens on its bus address and its lease has expired),
 * is taken over with a compare-and-set in the store, so of two proxies racing, one wins.
 */
import type { Logger } from 'pino';
import { isJsonObject, type JsonObject } from '../../protocol/messages.js';
import type { MessageBus } from '../../store/bus.js';
import { BusCalls } from '../../store/bus-calls.js';
import type { RoomId, RoomStore } from '../../store/room-store.js';
import { asVideoRoomError, noSuchRoom, NotRoomOwnerError, VideoRoomCode as C, VideoRoomError } from './errors.js';
import { asLayoutCommand, type LayoutCommand } from './layout.js';
import type { LiveRoom } from './room.js';

const TOPIC = 'videoroom-layout';
/** A layout change takes a few Janus round trips per backend; this bounds the wait for one (owner changes included). */
const ASK_TIMEOUT_MS = 60_000;
/** While waiting for an answer, how often the owner's lease is checked (a dead owner never answers). */
const OWNER_CHECK_MS = 500;
/** How long to wait before asking again an owner whose lease lives but whose bus address is silent (a reconnect). */
const SILENT_OWNER_RETRY_MS = 200;
/**
 * How long after taking a room over its copies are compared with the backends: a deposed owner
 * checks that it still owns the room before each step that changes Janus, so by then only steps it
 * had sent already can have landed.
 */
export const VERIFY_AFTER_TAKE_OVER_MS = 5_000;

/** What the owner's side of the registry offers. */
export interface LayoutHost {
  /** The room loaded here (from the store if need be). */
  room(id: RoomId): Promise<LiveRoom | undefined>;
  /** Runs the command here if this proxy owns the room (after reading it as stored); undefined when it does not. */
  runHere(room: LiveRoom, command: LayoutCommand): Promise<JsonObject | undefined>;
  /** Reads the room again from the store. */
  reread(room: LiveRoom): Promise<void>;
}

interface Answer {
  result?: JsonObject;
  error?: { code: number; reason: string };
  /** The asked proxy does not own the room (any more). */
  moved?: boolean;
}

/** A change refused half way because the room changed owner: undefined, as for a room not owned here. */
function movedAway(err: unknown): undefined {
  if (err instanceof NotRoomOwnerError) return undefined;
  throw err;
}

export class LayoutOwners {
  private readonly calls: BusCalls;
  private closed = false;
  /** Lease watches of the owners changes are waiting for (see watch). */
  private readonly watches = new Map<string, { gone: AbortController; timer: NodeJS.Timeout; users: number }>();

  constructor(
    private readonly deps: { bus: MessageBus; store: RoomStore; proxyId: string; logger: Logger; onLayout?: (op: string, ran: 'owner') => void },
    private readonly host: LayoutHost,
  ) {
    this.calls = new BusCalls(deps.bus, TOPIC, (body) => this.answer(body));
  }

  /** Runs the command at the room's owner (this proxy, another one, or this one after taking the room over). */
  async run(room: LiveRoom, command: LayoutCommand): Promise<JsonObject> {
    const deadline = Date.now() + ASK_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.isClosed()) throw new VideoRoomError(C.UNKNOWN_ERROR, 'The proxy is stopping');
      if (room.destroyed) throw noSuchRoom(room.id);
      const owner = room.record.owner;
      if (owner === this.deps.proxyId) {
        const result = await this.host.runHere(room, command).catch(movedAway);
        if (result) return result;
      } else if (owner === undefined) {
        await this.takeOver(room, undefined);
      } else {
        const answer = await this.ask(owner, room, command, deadline - Date.now());
        if (answer?.error) throw new VideoRoomError(answer.error.code, answer.error.reason);
        if (answer?.result) {
          this.deps.onLayout?.(command.op, 'owner');
          // What the owner changed is here before the request that needed it goes on.
          await this.host.reread(room);
          return answer.result;
        }
        if (!answer) await this.ownerSilent(room, owner);
      }
      await this.host.reread(room);
    }
    throw new VideoRoomError(C.UNKNOWN_ERROR, `The owner of room ${String(room.id)} could not be reached`);
  }

  /** Waiting changes give up (a stopping proxy takes no room over). */
  close(): void {
    this.closed = true;
    this.calls.close();
  }

  /** Read through a call: `closed` changes while a change awaits. */
  private isClosed(): boolean {
    return this.closed;
  }

  /** This proxy takes the room over from `expected` (gone, or none), unless another proxy did first. */
  async takeOver(room: LiveRoom, expected: string | undefined): Promise<boolean> {
    const version = await this.deps.store.takeOwnership(room.id, expected, this.deps.proxyId);
    if (version <= 0) return false;
    this.deps.logger.info({ room: room.id, previous: expected }, 'took the room over');
    // The previous owner may have died (or been deposed) in the middle of making copies.
    room.verifyMirrorsFrom = Date.now() + VERIFY_AFTER_TAKE_OVER_MS;
    return true;
  }

  /** No answer: a dead owner's room is taken over; a live one (bus reconnecting) is asked again shortly. */
  private async ownerSilent(room: LiveRoom, owner: string): Promise<void> {
    if (!(await this.deps.store.proxyAlive(owner))) {
      await this.takeOver(room, owner);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, SILENT_OWNER_RETRY_MS));
  }

  /** The owner's answer; undefined when no one listens at its address, or its lease ended while waiting. */
  private async ask(owner: string, room: LiveRoom, command: LayoutCommand, timeoutMs: number): Promise<Answer | undefined> {
    const watch = this.watch(owner);
    try {
      const body: JsonObject = { room: room.id, command };
      const reply = await this.calls.call(owner, body, timeoutMs, watch.gone);
      return reply && (reply.moved === true || isJsonObject(reply.result) || isJsonObject(reply.error)) ? reply : undefined;
    } finally {
      watch.release();
    }
  }

  /**
   * A signal that aborts once `owner`'s lease has ended: one lease read per owner every
   * OWNER_CHECK_MS, however many changes wait for it.
   */
  private watch(owner: string): { gone: AbortSignal; release: () => void } {
    let watch = this.watches.get(owner);
    if (!watch) {
      const gone = new AbortController();
      const timer = setInterval(() => {
        this.deps.store.proxyAlive(owner).then((alive) => { if (!alive) gone.abort(); }, () => undefined);
      }, OWNER_CHECK_MS);
      watch = { gone, timer, users: 0 };
      this.watches.set(owner, watch);
    }
    const current = watch;
    current.users++;
    return {
      gone: current.gone.signal,
      release: () => {
        if (--current.users > 0) return;
        clearInterval(current.timer);
        if (this.watches.get(owner) === current) this.watches.delete(owner);
      },
    };
  }

  /** A command from another proxy, run here if this proxy owns the room. */
  private async answer(body: JsonObject): Promise<JsonObject> {
    const command = asLayoutCommand(body.command);
    if (!command || (typeof body.room !== 'number' && typeof body.room !== 'string')) {
      return { error: { code: C.UNKNOWN_ERROR, reason: 'Invalid layout command' } };
    }
    try {
      const room = await this.host.room(body.room);
      if (!room || room.destroyed) throw noSuchRoom(body.room);
      const result = await this.host.runHere(room, command).catch(movedAway);
      return result ? { result } : { moved: true };
    } catch (err) {
      const failure = asVideoRoomError(err);
      if (!(err instanceof VideoRoomError)) this.deps.logger.warn({ room: body.room, op: command.op, err: (err as Error).message }, 'layout command failed');
      return { error: { code: failure.code, reason: failure.message } };
    }
  }
}
