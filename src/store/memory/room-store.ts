/** The room store in this process (the default): rooms last as long as the proxy. */
import {
  idKey, type MirrorRecord, type ParticipantId, type ParticipantRecord, type RoomId, type RoomPatch, type RoomRecord, type RoomStore,
} from '../room-store.js';

/** Copies in and out, so no caller can change the stored state behind the store's back. */
function copy<T>(value: T): T {
  return structuredClone(value);
}

export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<string, RoomRecord>();

  create(room: RoomRecord): Promise<boolean> {
    const key = idKey(room.id);
    if (this.rooms.has(key)) return Promise.resolve(false);
    this.rooms.set(key, copy(room));
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
    return Promise.resolve(this.rooms.delete(idKey(id)));
  }

  update(id: RoomId, patch: RoomPatch): Promise<void> {
    const room = this.rooms.get(idKey(id));
    if (room) Object.assign(room, copy(patch));
    return Promise.resolve();
  }

  addBackend(id: RoomId, backend: string): Promise<void> {
    const room = this.rooms.get(idKey(id));
    if (room && !room.backends.includes(backend)) room.backends.push(backend);
    return Promise.resolve();
  }

  removeBackend(id: RoomId, backend: string): Promise<void> {
    const room = this.rooms.get(idKey(id));
    if (room) room.backends = room.backends.filter((b) => b !== backend);
    return Promise.resolve();
  }

  putParticipant(id: RoomId, participant: ParticipantRecord): Promise<void> {
    const room = this.rooms.get(idKey(id));
    if (room) room.participants[idKey(participant.id)] = copy(participant);
    return Promise.resolve();
  }

  removeParticipant(id: RoomId, participant: ParticipantId): Promise<void> {
    const room = this.rooms.get(idKey(id));
    if (room) Reflect.deleteProperty(room.participants, idKey(participant));
    return Promise.resolve();
  }

  putMirror(id: RoomId, participant: ParticipantId, mirror: MirrorRecord): Promise<void> {
    const p = this.rooms.get(idKey(id))?.participants[idKey(participant)];
    if (p) p.mirrors[mirror.backend] = copy(mirror);
    return Promise.resolve();
  }

  removeMirror(id: RoomId, participant: ParticipantId, backend: string): Promise<void> {
    const p = this.rooms.get(idKey(id))?.participants[idKey(participant)];
    if (p) Reflect.deleteProperty(p.mirrors, backend);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.rooms.clear();
    return Promise.resolve();
  }
}
