/**
 * The room store in this process (the default): rooms last as long as the proxy. Several proxies in
 * one test process can share one instance; its change feed then reaches all of them. Room events
 * have no other store instance to go to.
 */
import {
  FENCED_OUT, idKey, Listeners, type MirrorRecord, type ParticipantId, type ParticipantRecord, type RoomChange, type RoomEvent, type RoomId, type RoomPatch,
  type RoomRecord, type RoomStore,
} from '../room-store.js';

/** Copies in and out, so no caller can change the stored state behind the store's back. */
function copy<T>(value: T): T {
  return structuredClone(value);
}

export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, RoomRecord>();
  private readonly changes = new Listeners<RoomChange>();
  /** Member counts by room, then `proxy|backend`. */
  private readonly members = new Map<string, Map<string, number>>();

  create(room: RoomRecord): Promise<boolean> {
    const key = idKey(room.id);
    if (this.rooms.has(key)) return Promise.resolve(false);
    this.rooms.set(key, { ...copy(room), version: 1 });
    this.announce(key, 1);
    return Promise.resolve(true);
  }

  get(id: RoomId): Promise<RoomRecord | undefined> {
    const room = this.rooms.get(idKey(id));
    return Promise.resolve(room ? copy(room) : undefined);
  }

  list(): Promise<RoomRecord[]> {
    return Promise.resolve([...this.rooms.values()].map(copy));
  }

  delete(id: RoomId): Promise<boolean> {
    this.members.delete(idKey(id));
    const deleted = this.rooms.delete(idKey(id));
    if (deleted) this.announce(idKey(id), 0);
    return Promise.resolve(deleted);
  }

  update(id: RoomId, patch: RoomPatch, fence?: string): Promise<number> {
    return this.write(id, (room) => { Object.assign(room, copy(patch)); }, fence);
  }

  addBackend(id: RoomId, backend: string, fence?: string): Promise<number> {
    return this.write(id, (room) => { if (!room.backends.includes(backend)) room.backends.push(backend); }, fence);
  }

  removeBackend(id: RoomId, backend: string, fence?: string): Promise<number> {
    return this.write(id, (room) => { room.backends = room.backends.filter((b) => b !== backend); }, fence);
  }

  putParticipant(id: RoomId, participant: ParticipantRecord): Promise<number> {
    return this.write(id, (room) => {
      const key = idKey(participant.id);
      room.participants[key] = { ...copy(participant), mirrors: room.participants[key]?.mirrors ?? {} };
    });
  }

  removeParticipant(id: RoomId, participant: ParticipantId): Promise<number> {
    return this.write(id, (room) => { Reflect.deleteProperty(room.participants, idKey(participant)); });
  }

  putMirror(id: RoomId, participant: ParticipantId, mirror: MirrorRecord, fence?: string): Promise<number> {
    return this.write(id, (room) => {
      const p = room.participants[idKey(participant)];
      if (p) p.mirrors[mirror.backend] = copy(mirror);
    }, fence);
  }

  removeMirror(id: RoomId, participant: ParticipantId, backend: string, fence?: string): Promise<number> {
    return this.write(id, (room) => {
      const p = room.participants[idKey(participant)];
      if (p) Reflect.deleteProperty(p.mirrors, backend);
    }, fence);
  }

  countMember(id: RoomId, proxy: string, backend: string, delta: 1 | -1): Promise<void> {
    const key = idKey(id);
    const counts = this.members.get(key) ?? new Map<string, number>();
    this.members.set(key, counts);
    const field = `${proxy}|${backend}`;
    const count = (counts.get(field) ?? 0) + delta;
    if (count > 0) counts.set(field, count);
    else counts.delete(field);
    return Promise.resolve();
  }

  /** Every proxy sharing this instance lives in this process: all count. */
  proxyAlive(_proxy: string): Promise<boolean> {
    return Promise.resolve(true);
  }

  membersElsewhere(id: RoomId, proxy: string, backend: string): Promise<number> {
    let total = 0;
    for (const [field, count] of this.members.get(idKey(id)) ?? []) {
      if (field.endsWith(`|${backend}`) && !field.startsWith(`${proxy}|`)) total += count;
    }
    return Promise.resolve(total);
  }

  watch(listener: (change: RoomChange) => void): () => void {
    return this.changes.add(listener);
  }

  onResubscribed(_listener: () => void): () => void {
    return () => undefined;
  }

  readonly shared = false;

  takeOwnership(id: RoomId, expected: string | undefined, owner: string): Promise<number> {
    const room = this.rooms.get(idKey(id));
    if (room?.owner !== expected) return Promise.resolve(0);
    return this.write(id, (r) => { r.owner = owner; });
  }

  listening(): Promise<void> {
    return Promise.resolve();
  }

  /** No other store instance shares this one's rooms through events: a no-op. */
  shareEvent(_event: RoomEvent): void {
    // Proxies sharing this instance share their process too; each delivers its own events.
  }

  onEvent(_listener: (event: RoomEvent) => void): () => void {
    return () => undefined;
  }

  close(): Promise<void> {
    this.rooms.clear();
    this.changes.clear();
    return Promise.resolve();
  }

  private write(id: RoomId, change: (room: RoomRecord) => void, fence?: string): Promise<number> {
    const key = idKey(id);
    const room = this.rooms.get(key);
    if (!room) return Promise.resolve(0);
    if (fence !== undefined && room.owner !== fence) return Promise.resolve(FENCED_OUT);
    change(room);
    room.version = (room.version ?? 0) + 1;
    this.announce(key, room.version);
    return Promise.resolve(room.version);
  }

  /** Asynchronously, as Redis would: never inside the writer's call. */
  private announce(room: string, version: number): void {
    queueMicrotask(() => { this.changes.emit({ room, version }); });
  }
}
