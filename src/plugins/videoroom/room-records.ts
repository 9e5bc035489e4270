/**
 * Keeps the record of a room loaded here in step with the store: this proxy's writes go to the
 * cached record and the store together (the store's new version tells whether anyone else wrote
 * meanwhile), and a room changed elsewhere is read again, never over this proxy's writes in flight.
 */
import type { Logger } from 'pino';
import {
  FENCED_OUT, idKey, type MirrorRecord, type ParticipantId, type ParticipantRecord, type RoomPatch, type RoomStore,
} from '../../store/room-store.js';
import { NotRoomOwnerError } from './errors.js';
import type { LiveRoom } from './room.js';

/**
 * Reads of a room before the cached copy is taken as it is (see readNow). Each waits for this
 * proxy's writes in flight first, so only a room whose members write without pause gets that far;
 * the owner then decides on a copy that may miss other proxies' latest writes.
 */
const READ_NOW_ATTEMPTS = 50;

export class RoomRecords {
  constructor(
    private readonly store: RoomStore,
    private readonly logger: Logger,
    /** With a shared store, this proxy: its writes as the room's owner are made only while it still is. */
    private readonly fence: string | undefined,
    /** The room is gone from the store: its copy here goes too. */
    private readonly forget: (room: LiveRoom) => void,
  ) {}

  /**
   * Reads the room again, once the writes of this proxy in flight are done (their changes are in
   * the cached record already and would otherwise be overwritten by an older read).
   */
  refresh(room: LiveRoom): void {
    room.stale = true;
    if (room.writing > 0 || room.refreshing) return;
    room.refreshing = true;
    room.stale = false;
    this.store.get(room.id).then((stored) => {
      room.refreshing = false;
      if (!stored) {
        this.forget(room);
        return;
      }
      if (room.writing > 0 || room.stale) {
        this.refresh(room);
        return;
      }
      if ((stored.version ?? 0) >= (room.record.version ?? 0)) room.record = stored;
    }, (err: unknown) => {
      room.refreshing = false;
      this.logger.warn({ room: room.id, err: (err as Error).message }, 'could not re-read a changed room');
    });
  }

  /**
   * The record as stored now (a room gone from the store is destroyed here too). This proxy's
   * writes are in the cached record before they are in the store: a read that overlaps one would
   * take them back, so it waits for them and is done again when one started meanwhile.
   */
  async readNow(room: LiveRoom): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await room.writesSettled();
      const started = room.writesStarted;
      const stored = await this.store.get(room.id);
      if (!stored) {
        this.forget(room);
        return;
      }
      if (room.writesStarted === started) {
        if ((stored.version ?? 0) >= (room.record.version ?? 0)) room.record = stored;
        return;
      }
      // A room this busy: the cached copy is used, and re-read once quiet.
      if (attempt === READ_NOW_ATTEMPTS) {
        this.logger.warn({ room: room.id }, 'room record read over writes in flight too often: the cached copy is used');
        room.stale = true;
        return;
      }
    }
  }

  /** Runs one store write of the room and takes its new version: the next in line means no one else wrote meanwhile. */
  private async written(room: LiveRoom, write: Promise<number>): Promise<void> {
    room.startWrite();
    let version: number;
    try {
      version = await write;
    } finally {
      room.endWrite();
    }
    if (version === FENCED_OUT) {
      // What this proxy put in its copy is not in the store: the copy is read again.
      this.refresh(room);
      throw new NotRoomOwnerError(room.id);
    }
    const cached = room.record.version ?? 0;
    if (version === cached + 1) room.record.version = version;
    else if (version > cached) room.stale = true;
    if (room.stale && room.writing === 0) this.refresh(room);
  }

  async putParticipant(room: LiveRoom, participant: ParticipantRecord): Promise<void> {
    room.record.participants[idKey(participant.id)] = participant;
    await this.written(room, this.store.putParticipant(room.id, participant));
  }

  async removeParticipant(room: LiveRoom, id: ParticipantId): Promise<void> {
    Reflect.deleteProperty(room.record.participants, idKey(id));
    await this.written(room, this.store.removeParticipant(room.id, id));
  }

  /**
   * Throws NotRoomOwnerError unless this proxy owns the room as stored now (without a shared store,
   * it always does). Checked before a Janus step of the owner's that a deposed owner must not take:
   * its write would be refused afterwards, but Janus would already have been changed under the new owner.
   */
  async mustOwn(room: LiveRoom): Promise<void> {
    if (this.fence === undefined) return;
    const stored = await this.store.get(room.id);
    if (stored?.owner === this.fence) return;
    this.refresh(room);
    throw new NotRoomOwnerError(room.id);
  }

  // The owner's writes below are fenced (see the constructor). The participant as the cached record
  // holds it now: a re-read may have replaced the caller's object.
  async putMirror(room: LiveRoom, participant: ParticipantRecord, mirror: MirrorRecord): Promise<void> {
    participant.mirrors[mirror.backend] = mirror;
    const current = room.participant(participant.id);
    if (current) current.mirrors[mirror.backend] = mirror;
    await this.written(room, this.store.putMirror(room.id, participant.id, mirror, this.fence));
  }

  async removeMirror(room: LiveRoom, participant: ParticipantRecord, backend: string): Promise<void> {
    Reflect.deleteProperty(participant.mirrors, backend);
    const current = room.participant(participant.id);
    if (current) Reflect.deleteProperty(current.mirrors, backend);
    await this.written(room, this.store.removeMirror(room.id, participant.id, backend, this.fence));
  }

  async addBackend(room: LiveRoom, backend: string): Promise<void> {
    if (!room.record.backends.includes(backend)) room.record.backends.push(backend);
    await this.written(room, this.store.addBackend(room.id, backend, this.fence));
  }

  async removeBackend(room: LiveRoom, backend: string): Promise<void> {
    room.record.backends = room.record.backends.filter((b) => b !== backend);
    await this.written(room, this.store.removeBackend(room.id, backend, this.fence));
  }

  /** Writes a change of the room's settings (create form, secret, ACL, list entry). */
  async update(room: LiveRoom, patch: RoomPatch): Promise<void> {
    await this.written(room, this.store.update(room.id, patch, this.fence));
  }
}
