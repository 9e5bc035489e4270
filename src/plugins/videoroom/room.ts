/**
 * A room as this proxy holds it: the stored record (kept in step with the store on every change)
 * plus what only lives here: the queue that orders changes to the room's layout, the client
 * handles of this proxy in the room, mirrors being created, and ids reserved by joins in flight.
 */
import type { JsonObject } from '../../protocol/messages.js';
import { idKey, type ParticipantId, type ParticipantRecord, type RoomId, type RoomRecord } from '../../store/room-store.js';

/** Runs tasks one after another; a failing task does not stop the ones behind it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/** A client handle of this proxy in a room, for events Janus cannot deliver across backends. */
export interface RoomMember {
  readonly role: 'publisher' | 'subscriber';
  /** The backend its own backend handle is on. */
  readonly backend: string;
  /** Its participant id (publishers only). */
  readonly participantId: ParticipantId | undefined;
  /** Delivers a plugin event (no transaction) to the client. */
  notify(data: JsonObject): void;
}

/** Why a publisher's mirrors were last taken down: remote copies report it as Janus would have. */
export type RemovalReason = 'unpublished' | 'kicked' | 'left';

const MIRROR_WAIT_MS = 10_000;
const SET_ASIDE_MS = 30_000;
/** A copy that keeps failing is tried again after 5 s, then twice as long each time, up to 5 min. */
const REPAIR_BACKOFF_MS = 5_000;
const REPAIR_BACKOFF_MAX_MS = 300_000;

/** A publisher's copy on one backend that needs making again (its creation failed, or it went missing). */
export interface MirrorRepair {
  participant: ParticipantId;
  backend: string;
}

export class LiveRoom {
  readonly key: string;
  readonly queue = new SerialQueue();
  readonly members = new Set<RoomMember>();
  /** Mirror creations queued or running, by `participant|backend`. */
  readonly pendingMirrors = new Map<string, Promise<void>>();
  /** Participant ids taken by joins in flight, with the backend each join went to. */
  readonly reserved = new Map<string, string>();
  readonly removals = new Map<string, RemovalReason>();
  /** Backend rooms being created, by backend. */
  readonly opening = new Map<string, Promise<void>>();
  destroyed = false;
  /** Store writes of this proxy in flight, and whether a re-read is due once they are done (see RoomRegistry.refresh). */
  private inFlight = 0;
  /** Store writes of this proxy started so far: a read that overlapped one is older than this copy. */
  private started = 0;
  private readonly settledWaiters: (() => void)[] = [];
  stale = false;
  refreshing = false;
  idleTimers = new Map<string, NodeJS.Timeout>();
  /** Backends where the room could not be opened, until when (epoch ms) they are not tried again. */
  private readonly asideUntil = new Map<string, number>();
  /** Copies to make again at a room check from `dueAt` (epoch ms) on, by `participant|backend`. */
  private readonly repairs = new Map<string, MirrorRepair & { dueAt: number }>();
  /** Failures in a row of each copy marked here (cleared when it is made): its repair backs off. */
  private readonly repairFailures = new Map<string, number>();
  /**
   * Set when this proxy took the room over: from then on (epoch ms), once the deposed owner's steps
   * in flight are over, the room's next check compares the copies on every backend with the record.
   */
  verifyMirrorsFrom: number | undefined;

  constructor(public record: RoomRecord) {
    this.key = idKey(record.id);
  }

  get id(): RoomId {
    return this.record.id;
  }

  get writing(): number {
    return this.inFlight;
  }

  get writesStarted(): number {
    return this.started;
  }

  startWrite(): void {
    this.inFlight++;
    this.started++;
  }

  endWrite(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const settled of this.settledWaiters.splice(0)) settled();
  }

  /** Resolves once no store write of this proxy is in flight. */
  writesSettled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => { this.settledWaiters.push(resolve); });
  }

  participant(id: ParticipantId): ParticipantRecord | undefined {
    return this.record.participants[idKey(id)];
  }

  participants(): ParticipantRecord[] {
    return Object.values(this.record.participants);
  }

  /** The backend a participant is on, counting joins still in flight. */
  backendOf(id: ParticipantId): string | undefined {
    return this.participant(id)?.backend ?? this.reserved.get(idKey(id));
  }

  /** Participants (joined or joining) per backend of the room. */
  participantCounts(): Map<string, number> {
    const counts = new Map<string, number>(this.record.backends.map((b) => [b, 0]));
    for (const p of this.participants()) counts.set(p.backend, (counts.get(p.backend) ?? 0) + 1);
    // A join in flight is counted once: its placeholder in the record (shared store) or its reservation.
    for (const [id, backend] of this.reserved) if (!this.record.participants[id]) counts.set(backend, (counts.get(backend) ?? 0) + 1);
    return counts;
  }

  /**
   * Backends the room is on or is being put on: its backend rooms, plus those of participants
   * placed on a backend whose room is still being opened (placement must count them there too).
   */
  placedBackends(): string[] {
    return [...this.participantCounts().keys()];
  }

  /** Keeps placement away from `backend` for a while (the room could not be opened there). */
  setAside(backend: string, nowMs = Date.now()): void {
    this.asideUntil.set(backend, nowMs + SET_ASIDE_MS);
  }

  setAsideBackends(nowMs = Date.now()): string[] {
    for (const [backend, until] of this.asideUntil) if (until <= nowMs) this.asideUntil.delete(backend);
    return [...this.asideUntil.keys()];
  }

  /**
   * The copy of `participant` on `backend` failed: it is made again at the room's next check, or
   * after a back-off once it has failed before.
   */
  markMirrorRepair(participant: ParticipantId, backend: string, nowMs = Date.now()): void {
    const key = `${idKey(participant)}|${backend}`;
    const failures = (this.repairFailures.get(key) ?? 0) + 1;
    this.repairFailures.set(key, failures);
    const delay = failures === 1 ? 0 : Math.min(REPAIR_BACKOFF_MAX_MS, REPAIR_BACKOFF_MS * 2 ** (failures - 2));
    this.repairs.set(key, { participant, backend, dueAt: nowMs + delay });
  }

  /** The copy of `participant` on `backend` is made: a later failure starts without back-off. */
  mirrorMade(participant: ParticipantId, backend: string): void {
    this.repairFailures.delete(`${idKey(participant)}|${backend}`);
  }

  /** Whether the room's check at `nowMs` has copies to repair or verify. */
  mirrorRepairDue(nowMs = Date.now()): boolean {
    for (const r of this.repairs.values()) if (r.dueAt <= nowMs) return true;
    return this.verifyMirrorsFrom !== undefined && this.verifyMirrorsFrom <= nowMs;
  }

  /** The copies due for repair at `nowMs`, unmarked (a failed repair marks them again). */
  takeMirrorRepairs(nowMs = Date.now()): MirrorRepair[] {
    const taken: MirrorRepair[] = [];
    for (const [key, r] of this.repairs) {
      if (r.dueAt > nowMs) continue;
      this.repairs.delete(key);
      taken.push({ participant: r.participant, backend: r.backend });
    }
    return taken;
  }

  /** Whether `backend` has the feed: its origin, a copy, or a copy being made. */
  hasFeed(feed: ParticipantId, backend: string): boolean {
    const p = this.participant(feed);
    if (!p) return false;
    return p.backend === backend || p.mirrors[backend] !== undefined || this.pendingMirrors.has(`${idKey(feed)}|${backend}`);
  }

  byPrivateId(privateId: number): ParticipantRecord | undefined {
    return this.participants().find((p) => p.privateId === privateId);
  }

  /** Waits (bounded) until the mirrors of these feeds on `backend` that are being created exist. */
  async mirrorsReady(feeds: readonly ParticipantId[], backend: string): Promise<void> {
    const waits = feeds.flatMap((feed) => {
      const pending = this.pendingMirrors.get(`${idKey(feed)}|${backend}`);
      return pending ? [pending] : [];
    });
    if (waits.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, MIRROR_WAIT_MS); });
    await Promise.race([Promise.all(waits), timeout]);
    clearTimeout(timer);
  }

  /** Members (publisher handles) that are on another backend than `backend`, except the participant itself. */
  membersElsewhere(backend: string, except?: ParticipantId): RoomMember[] {
    return [...this.members].filter(
      (m) => m.role === 'publisher' && m.participantId !== undefined && m.backend !== backend
        && (except === undefined || idKey(m.participantId) !== idKey(except)),
    );
  }

  /** Local handles on `backend` (publishers and subscribers). */
  membersOn(backend: string): RoomMember[] {
    return [...this.members].filter((m) => m.backend === backend);
  }
}
