/**
 * The VideoRoom module's shared state: the rooms this proxy has loaded (from the store), their
 * records (room-records.ts), the control channels, layout changes (here, or at the room's owner
 * proxy: owner.ts), and the small operations every request family needs (backend loads for
 * placement, member counts, events Janus cannot send across backends).
 */
import type { Backend } from '../../cluster/backend.js';
import type { JsonObject } from '../../protocol/messages.js';
import {
  idKey, type ParticipantId, type RoomChange, type RoomEvent, type RoomId, type RoomRecord,
} from '../../store/room-store.js';
import { ControlChannels } from './control.js';
import { discoverRoom } from './config-rooms.js';
import { LiveRoom, type RoomMember } from './room.js';
import { mediaAddress, VIDEOROOM_PLUGIN, type VideoRoomDeps, type VideoRoomOptions } from './options.js';
import type { RoomBackendLoad } from './placement.js';
import { othersPlaceholders } from './placeholders.js';
import { noSuchRoom } from './errors.js';
import type { LayoutCommand, LayoutRunner } from './layout.js';
import { LayoutOwners } from './owner.js';
import { RoomRecords } from './room-records.js';

/**
 * How often the rooms loaded here are checked for a dead owner, for placeholders of joins whose
 * proxy died and for copies to repair.
 */
const ROOM_CHECK_MS = 5_000;

/** A backend chosen for a client handle, counted against it until `release`. */
export interface Target {
  backend: string;
  release: () => void;
}

export class RoomRegistry {
  readonly control: ControlChannels;
  /** The loaded rooms' records, written and re-read in step with the store. */
  readonly records: RoomRecords;
  private readonly live = new Map<string, LiveRoom>();
  /** Loads in flight, so that two requests for one room share one LiveRoom. */
  private readonly loading = new Map<string, Promise<LiveRoom | undefined>>();

  private readonly unwatch: (() => void)[];
  /** With a shared store: the rooms' owners, asked over the bus. */
  private readonly owners: LayoutOwners | undefined;
  private readonly checkTimer: NodeJS.Timeout;
  private checkingRooms = false;
  private closed = false;
  /** The backend each member is counted on in the store. */
  private readonly counted = new WeakMap<RoomMember, string>();

  constructor(readonly deps: VideoRoomDeps, private readonly runner: LayoutRunner) {
    this.control = new ControlChannels(deps.cluster, deps.logger);
    this.records = new RoomRecords(deps.store, deps.logger, deps.store.shared ? deps.proxyId : undefined, (room) => { this.forget(room); });
    this.owners = deps.store.shared ? new LayoutOwners(deps, {
      room: (id) => this.get(id),
      runHere: (room, command) => this.runHere(room, command),
      reread: (room) => this.records.readNow(room),
    }) : undefined;
    this.unwatch = [
      deps.store.watch((change) => { this.onChange(change); }),
      deps.store.onEvent((event) => { this.deliver(event); }),
      // Changes missed while the feed was cut: every room kept here is read again.
      deps.store.onResubscribed(() => { for (const room of this.live.values()) this.records.refresh(room); }),
    ];
    this.checkTimer = setInterval(() => { void this.checkRooms(); }, ROOM_CHECK_MS);
    this.checkTimer.unref();
  }

  get options(): VideoRoomOptions {
    return this.deps.options;
  }

  /** The room, from this proxy's memory or else from the store; undefined when it does not exist. */
  get(id: RoomId): Promise<LiveRoom | undefined> {
    const key = idKey(id);
    const room = this.live.get(key);
    if (room) return Promise.resolve(room);
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.deps.store.get(id).then((stored) => stored ?? this.adopt(id)).then((record) => {
        this.loading.delete(key);
        if (!record) return undefined;
        const existing = this.live.get(key);
        if (existing) return existing;
        const loaded = new LiveRoom(record);
        this.live.set(key, loaded);
        return loaded;
      }, (err: unknown) => {
        this.loading.delete(key);
        throw err;
      });
      this.loading.set(key, loading);
    }
    return loading;
  }

  /**
   * The room as the store holds it now. A take-over restores handles into rooms another proxy has
   * been changing, so a copy loaded here earlier is brought up to date first.
   */
  async reload(id: RoomId): Promise<LiveRoom | undefined> {
    const room = this.live.get(idKey(id));
    if (!room) return this.get(id);
    const stored = await this.deps.store.get(id);
    if (!stored) return undefined;
    room.record = stored;
    return room;
  }

  /**
   * The change feed: a cached room another proxy (or store instance) changed is read again; one
   * deleted is dropped. Writes of this proxy bump the cached version themselves and are skipped.
   */
  private onChange(change: RoomChange): void {
    const room = this.live.get(change.room);
    if (!room) return;
    if (change.version === 0) {
      this.forget(room);
      return;
    }
    if (change.version > (room.record.version ?? 0)) this.records.refresh(room);
  }

  /**
   * Runs a change of the room's layout (backend rooms, mirrors, settings) in its queue. With a shared
   * store other proxies change the same room: the change then runs at the room's owner proxy (here,
   * or asked over the bus), on the record as stored, so two proxies never open one backend room or
   * mirror one publisher twice. With the memory store it is the queue alone, as fast as ever.
   */
  layout(room: LiveRoom, command: LayoutCommand): Promise<JsonObject> {
    if (!this.owners) return room.queue.run(() => this.run(room, command));
    return this.owners.run(room, command);
  }

  private run(room: LiveRoom, command: LayoutCommand): Promise<JsonObject> {
    this.deps.onLayout?.(command.op, 'here');
    return this.runner(room, command);
  }

  /** The owner's side: runs the command in the room's queue if this proxy owns the room as stored; undefined if not. */
  private runHere(room: LiveRoom, command: LayoutCommand): Promise<JsonObject | undefined> {
    return room.queue.run(async () => {
      await this.records.readNow(room);
      if (room.destroyed) throw noSuchRoom(room.id);
      if (room.record.owner !== this.deps.proxyId) return undefined;
      await this.dropDeadPlaceholders(room);
      return this.run(room, command);
    });
  }

  /**
   * Placeholders of joins another proxy placed and then died before Janus's `joined` (no client can
   * finish them): they would count in placement forever. Their media never started, so they have no
   * copies; Janus drops a backend participant with its session.
   */
  private async dropDeadPlaceholders(room: LiveRoom): Promise<void> {
    for (const p of othersPlaceholders(room.record, this.deps.proxyId)) {
      if (await this.deps.store.proxyAlive(p.proxy)) continue;
      this.deps.logger.info({ room: room.id, participant: p.id, proxy: p.proxy }, 'dropping the placeholder of a join whose proxy died');
      await this.records.removeParticipant(room, p.id);
    }
  }

  /**
   * Without waiting for the room's next layout change: a room loaded here whose owner died is taken
   * over (by the first proxy to notice), and one that holds a placeholder of another proxy's join
   * has it dropped (by its owner) once that proxy is dead, so that the room's record, `GET /rooms`
   * and the dashboard stop listing a participant nobody can finish. Copies marked for repair here
   * (or due for comparison with the backends after a take-over) are repaired by the room's owner.
   * Public for tests, which run rounds themselves (`nowMs` as the round's time).
   */
  async checkRooms(nowMs = Date.now()): Promise<void> {
    if (this.checkingRooms || this.closed) return;
    this.checkingRooms = true;
    // Each proxy's lease is read once per round, however many rooms name it.
    const leases = new Map<string, Promise<boolean>>();
    const alive = (proxy: string): Promise<boolean> => {
      let known = leases.get(proxy);
      if (!known) leases.set(proxy, known = this.deps.store.proxyAlive(proxy));
      return known;
    };
    try {
      for (const room of [...this.live.values()]) {
        if (this.isClosed()) return;
        if (this.owners) await this.checkOwnerAndPlaceholders(room, this.owners, alive);
        if (this.isClosed()) return;
        if (!room.destroyed && room.mirrorRepairDue(nowMs)) await this.repairMirrors(room, nowMs);
      }
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'could not check the owners and placeholders of rooms');
    } finally {
      this.checkingRooms = false;
    }
  }

  private async checkOwnerAndPlaceholders(room: LiveRoom, owners: LayoutOwners, alive: (proxy: string) => Promise<boolean>): Promise<void> {
    const owner = room.record.owner;
    if (owner !== undefined && owner !== this.deps.proxyId && !(await alive(owner)) && await owners.takeOver(room, owner)) {
      await this.records.readNow(room);
    }
    for (const proxy of new Set(othersPlaceholders(room.record, this.deps.proxyId).map((p) => p.proxy))) {
      if (this.isClosed()) return;
      if (room.destroyed || await alive(proxy)) continue;
      if (this.isClosed()) return;
      await this.layout(room, { op: 'check' });
      return;
    }
  }

  /** The room's owner (here or elsewhere) makes the marked copies again; what could not be asked stays marked. */
  private async repairMirrors(room: LiveRoom, nowMs: number): Promise<void> {
    const verify = room.verifyMirrorsFrom !== undefined && room.verifyMirrorsFrom <= nowMs;
    if (verify) room.verifyMirrorsFrom = undefined;
    const mirrors = room.takeMirrorRepairs(nowMs);
    try {
      await this.layout(room, { op: 'repair', mirrors, verify });
    } catch (err) {
      if (room.destroyed) return;
      for (const m of mirrors) room.markMirrorRepair(m.participant, m.backend, nowMs);
      if (verify) room.verifyMirrorsFrom ??= nowMs;
      this.deps.logger.warn({ room: room.id, err: (err as Error).message }, 'could not repair mirrors');
    }
  }

  /** The room is gone from the store (destroyed through another proxy): its copy here goes too. */
  private forget(room: LiveRoom): void {
    if (this.live.get(room.key) !== room) return;
    room.destroyed = true;
    for (const timer of room.idleTimers.values()) clearTimeout(timer);
    this.live.delete(room.key);
  }

  /** A room the backends hold that the store does not (config file, made on a Janus directly), stored as adopted. */
  private async adopt(id: RoomId): Promise<RoomRecord | undefined> {
    const found = await discoverRoom(this, id);
    if (!found) return undefined;
    // Another proxy may have adopted it meanwhile: the stored one wins.
    return (await this.deps.store.create(found)) ? found : this.deps.store.get(id);
  }

  /** Stores a new room; undefined when one with its id exists already. */
  async add(record: RoomRecord): Promise<LiveRoom | undefined> {
    // Its creator owns a shared room first.
    const owned: RoomRecord = this.owners ? { ...record, owner: this.deps.proxyId } : record;
    if (!(await this.deps.store.create(owned))) return undefined;
    const room = new LiveRoom({ ...owned, version: 1 });
    this.live.set(room.key, room);
    return room;
  }

  async remove(room: LiveRoom): Promise<void> {
    room.destroyed = true;
    for (const timer of room.idleTimers.values()) clearTimeout(timer);
    this.live.delete(room.key);
    await this.deps.store.delete(room.id);
  }

  liveRooms(): LiveRoom[] {
    return [...this.live.values()];
  }

  backend(name: string): Backend | undefined {
    return this.deps.cluster.backends.get(name);
  }

  /** Counts a handle against `name` until `release` (as a placement by the selection pipeline does). */
  reserve(name: string): Target {
    return { backend: name, release: this.backend(name)?.reserve() ?? (() => undefined) };
  }

  mediaAddress(name: string): string | undefined {
    const backend = this.backend(name);
    return backend ? mediaAddress(backend) : undefined;
  }

  /** The room's backends as placement sees them (those being opened for participants already placed there included). */
  loads(room: LiveRoom): RoomBackendLoad[] {
    const counts = room.participantCounts();
    const aside = new Set(room.setAsideBackends());
    return [...counts.keys()].map((name) => {
      const backend = this.backend(name);
      const snapshot = backend?.snapshot();
      const usable = snapshot !== undefined && snapshot.connected && snapshot.status === 'up' && !snapshot.expired
        && snapshot.breaker !== 'open' && snapshot.plugins.has(VIDEOROOM_PLUGIN) && !aside.has(name);
      return { name, participants: counts.get(name) ?? 0, handles: snapshot?.handles ?? 0, usable };
    });
  }

  /**
   * A room event for the participants on other backends than `origin` (their own Janus cannot know
   * about it) and not on `skip` (their Janus tells them), except the participant it is about: this
   * proxy's members at once, the other proxies' through the store's event channel.
   */
  notifyElsewhere(room: LiveRoom, origin: string, data: JsonObject, about?: ParticipantId, skip: readonly string[] = []): void {
    const event: RoomEvent = { room: room.key, origin, data, ...(about === undefined ? {} : { about: idKey(about) }), ...(skip.length > 0 ? { skip: [...skip] } : {}) };
    this.deliver(event);
    this.deps.store.shareEvent(event);
  }

  /** A client handle of this proxy is in the room, on `backend` once it is known (counted in the store there). */
  addMember(room: LiveRoom, member: RoomMember, backend = member.backend): void {
    room.members.add(member);
    const counted = this.counted.get(member);
    if (backend === '' || counted === backend) return;
    if (counted !== undefined) this.countMember(room, counted, -1);
    this.counted.set(member, backend);
    this.countMember(room, backend, 1);
  }

  removeMember(room: LiveRoom, member: RoomMember): void {
    room.members.delete(member);
    const counted = this.counted.get(member);
    if (counted === undefined) return;
    this.counted.delete(member);
    this.countMember(room, counted, -1);
  }

  /** Whether handles of other live proxies are on `backend` (read from the store). */
  async usedElsewhere(room: LiveRoom, backend: string): Promise<boolean> {
    return (await this.deps.store.membersElsewhere(room.id, this.deps.proxyId, backend)) > 0;
  }

  // Member counts are lifecycle writes, not awaited by the join or leave they belong to.
  private countMember(room: LiveRoom, backend: string, delta: 1 | -1): void {
    this.deps.store.countMember(room.id, this.deps.proxyId, backend, delta).catch((err: unknown) => {
      this.deps.logger.warn({ room: room.id, backend, err: (err as Error).message }, 'could not count a room member');
    });
  }

  /** Delivers a room event to this proxy's members it concerns. */
  private deliver(event: RoomEvent): void {
    const room = this.live.get(event.room);
    if (!room) return;
    const skip = new Set(event.skip ?? []);
    for (const member of room.membersElsewhere(event.origin, event.about)) {
      if (!skip.has(member.backend)) member.notify(structuredClone(event.data));
    }
  }

  /** Read through a call: `closed` changes while a check awaits the store. */
  private isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.checkTimer);
    this.owners?.close();
    for (const stop of this.unwatch) stop();
    for (const room of this.live.values()) for (const timer of room.idleTimers.values()) clearTimeout(timer);
    this.control.close();
  }
}
