/**
 * Remote-publisher mirrors: a publisher lives on its origin backend and appears on every other
 * backend of its room as a remote publisher (`add_remote_publisher` there, `publish_remotely` at the
 * origin). Changes to a room's layout run in the room's queue, so a mirror and a backend room being
 * opened or dropped never cross.
 */
import { isJsonObject, type JsonObject } from '../../protocol/messages.js';
import { idKey, type MirrorRecord, type ParticipantId, type ParticipantRecord } from '../../store/room-store.js';
import { NotRoomOwnerError, VideoRoomCode, VideoRoomError } from './errors.js';
import type { LiveRoom, MirrorRepair, RemovalReason } from './room.js';
import type { RoomRegistry } from './rooms.js';

const STREAM_KEYS = ['type', 'codec', 'description', 'disabled', 'stereo', 'fec', 'dtx', 'simulcast', 'svc', 'h264_profile', 'vp9_profile'];
const READD_ATTEMPTS = 4;
const READD_DELAY_MS = 50;
/**
 * Left to Janus after `add_remote_publisher` before the room there is touched again. Janus 1.1.2's
 * thread for the copy puts it into the room's participant table without the room's lock, after
 * the answer; a request reading or changing that table meanwhile (`listparticipants`, another
 * `add_remote_publisher`) can crash Janus (SIGSEGV). Right after the answer the copy is missing about
 * one time in seven; after 20 ms none was in 2,000 tries.
 */
export const COPY_SETTLE_MS = 30;
const LISTED_POLL_MS = 20;
const LISTED_TIMEOUT_MS = 2_000;
/** How long a removal reason is remembered for the `leaving` events the remote copies send. */
const REMOVAL_MEMORY_MS = 30_000;

export function remoteId(target: string): string {
  return `jc-${target}`;
}

/** The publisher's streams as `add_remote_publisher` takes them: numbered by position, as the target numbers them. */
export function remoteStreams(p: ParticipantRecord): JsonObject[] {
  return p.streams.map((stream, index) => {
    const out: JsonObject = { mindex: index, mid: String(index) };
    for (const key of STREAM_KEYS) if (stream[key] !== undefined) out[key] = stream[key];
    Object.assign(out, p.extensions[String(typeof stream.mindex === 'number' ? stream.mindex : index)]);
    return out;
  });
}

/** What a remote copy says about its publisher besides streams: display and (Janus 1.2+) metadata. */
export function publisherIdentity(p: ParticipantRecord): JsonObject {
  const out: JsonObject = {};
  if (p.display !== undefined) out.display = p.display;
  if (p.metadata !== undefined) out.metadata = p.metadata;
  return out;
}

function isCode(err: unknown, code: number): boolean {
  return err instanceof VideoRoomError && err.code === code;
}

async function quietly(work: Promise<unknown>): Promise<void> {
  await work.catch(() => undefined);
}

/**
 * `add_remote_publisher`, replacing a copy left over (from before a crash, or one Janus is still
 * taking down: its removal completes asynchronously, so the id can stay taken for a moment).
 */
async function addRemotePublisher(reg: RoomRegistry, room: LiveRoom, target: string, add: JsonObject): Promise<JsonObject> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await reg.control.request(target, add);
    } catch (err) {
      if (!isCode(err, VideoRoomCode.ID_EXISTS) || attempt >= READD_ATTEMPTS) throw err;
      // The copy there is the new owner's if this proxy lost the room meanwhile.
      await reg.records.mustOwn(room);
      await quietly(reg.control.request(target, { request: 'remove_remote_publisher', room: add.room, secret: add.secret, id: add.id }));
      await new Promise((resolve) => setTimeout(resolve, READD_DELAY_MS * attempt));
    }
  }
}

/**
 * Waits until Janus lists remote publisher `id` in `room`, which it was just asked to add. Janus
 * answers `add_remote_publisher` before the copy is in the room: a subscriber joining it in that
 * moment gets 428 "No such feed" (7 % of immediate joins on Janus 1.1.2; none once it is listed),
 * and asking for the list in that moment can crash Janus (see COPY_SETTLE_MS), so the first look is
 * only after a pause. Never fails: after a while it gives up and leaves any error to Janus.
 */
export async function untilListed(request: (body: JsonObject) => Promise<JsonObject>, room: number | string, id: ParticipantId): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, COPY_SETTLE_MS));
  const deadline = Date.now() + LISTED_TIMEOUT_MS;
  for (;;) {
    // Best effort: a failed listing is left for the subscriber's own join to report.
    const reply = await request({ request: 'listparticipants', room }).catch(() => undefined);
    if (reply === undefined) return;
    const listed = Array.isArray(reply.participants) && reply.participants.some((x) => isJsonObject(x) && x.id === id);
    if (listed || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, LISTED_POLL_MS));
  }
}

async function createMirror(reg: RoomRegistry, room: LiveRoom, p: ParticipantRecord, target: string): Promise<void> {
  const host = reg.mediaAddress(target);
  if (host === undefined) return;
  const secret = reg.options.backendRoomSecret;
  const add: JsonObject = { request: 'add_remote_publisher', room: room.id, secret, id: p.id, iface: host, streams: remoteStreams(p), ...publisherIdentity(p) };
  const added = await addRemotePublisher(reg, room, target, add);
  await untilListed((body) => reg.control.request(target, body), room.id, p.id);
  const mirror: MirrorRecord = {
    backend: target, host, port: Number(added.port), rtcpPort: typeof added.rtcp_port === 'number' ? added.rtcp_port : undefined, remoteId: remoteId(target),
  };
  const publish: JsonObject = {
    request: 'publish_remotely', room: room.id, secret, publisher_id: p.id, remote_id: mirror.remoteId, host, port: mirror.port,
  };
  if (mirror.rtcpPort !== undefined) publish.rtcp_port = mirror.rtcpPort;
  if (reg.options.adminKey !== undefined) publish.admin_key = reg.options.adminKey;
  // A deposed owner's creation stops before each step that would change what the new owner made
  // under the same names: a late `publish_remotely` of the old one would leave the origin sending
  // to the port of a copy removed since. (A copy it adds first is replaced by the new owner's.)
  await reg.records.mustOwn(room);
  try {
    await reg.control.request(p.backend, publish).catch(async (err: unknown) => {
      if (!isCode(err, VideoRoomCode.ID_EXISTS)) throw err;
      await reg.records.mustOwn(room);
      await quietly(reg.control.request(p.backend, { request: 'unpublish_remotely', room: room.id, secret, publisher_id: p.id, remote_id: mirror.remoteId }));
      return reg.control.request(p.backend, publish);
    });
  } catch (err) {
    // A deposed owner leaves the copy: it may be the new owner's by now.
    if (!(err instanceof NotRoomOwnerError)) await quietly(reg.control.request(target, { request: 'remove_remote_publisher', room: room.id, secret, id: p.id }));
    throw err;
  }
  await reg.records.putMirror(room, p, mirror);
  room.mirrorMade(p.id, target);
}

async function updateMirror(reg: RoomRegistry, room: LiveRoom, p: ParticipantRecord, target: string): Promise<void> {
  const body: JsonObject = { request: 'update_remote_publisher', room: room.id, secret: reg.options.backendRoomSecret, id: p.id, streams: remoteStreams(p), ...publisherIdentity(p) };
  await reg.control.request(target, body);
}

/** Takes one mirror down: the origin stops sending, the target drops the copy (as a kick when the publisher was kicked). */
async function removeMirror(reg: RoomRegistry, room: LiveRoom, p: ParticipantRecord, mirror: MirrorRecord, reason: RemovalReason, originAlive: boolean): Promise<void> {
  const secret = reg.options.backendRoomSecret;
  const origin = originAlive
    ? quietly(reg.control.request(p.backend, { request: 'unpublish_remotely', room: room.id, secret, publisher_id: p.id, remote_id: mirror.remoteId }))
    : Promise.resolve();
  const target = reason === 'kicked'
    ? reg.control.request(mirror.backend, { request: 'kick', room: room.id, secret, id: p.id })
    : reg.control.request(mirror.backend, { request: 'remove_remote_publisher', room: room.id, secret, id: p.id });
  await Promise.all([origin, quietly(target)]);
  await reg.records.removeMirror(room, p, mirror.backend);
}

/** Logs a mirror's failure and goes on with the others; a room that changed owner meanwhile stops the whole change. */
function logFailure(reg: RoomRegistry, room: LiveRoom, what: string, p: ParticipantId, backend: string): (err: unknown) => void {
  return (err) => {
    if (err instanceof NotRoomOwnerError) throw err;
    reg.deps.logger.warn({ room: room.id, participant: p, backend, err: (err as Error).message }, what);
  };
}

/**
 * Creates the copy; one that fails is marked for the room's next check to make again (at whoever
 * owns the room then). A room that changed owner meanwhile stops the whole change instead.
 */
function createOrMark(reg: RoomRegistry, room: LiveRoom, p: ParticipantRecord, target: string): Promise<void> {
  return createMirror(reg, room, p, target).catch((err: unknown) => {
    if (err instanceof NotRoomOwnerError) throw err;
    room.markMirrorRepair(p.id, target);
    reg.deps.logger.warn({ room: room.id, participant: p.id, backend: target, err: (err as Error).message }, 'mirror failed, repaired at the next room check');
  });
}

/**
 * Creates copies one at a time per target backend (targets in parallel): two copies arriving in one
 * Janus 1.1.2 room at once can crash it (see COPY_SETTLE_MS).
 */
async function createAll(reg: RoomRegistry, room: LiveRoom, due: readonly { p: ParticipantRecord; backend: string }[]): Promise<void> {
  const byTarget = new Map<string, ParticipantRecord[]>();
  for (const { p, backend } of due) byTarget.set(backend, [...(byTarget.get(backend) ?? []), p]);
  await Promise.all([...byTarget].map(async ([target, publishers]) => {
    for (const p of publishers) await createOrMark(reg, room, p, target);
  }));
}

/**
 * Mirrors every publisher of the room onto `target`, whose backend room was just created (a leftover
 * one destroyed first), so it holds no copy, whatever the records say: a deposed owner's half-done
 * opening may have recorded copies there before its backend write was refused.
 */
export async function mirrorAllOnto(reg: RoomRegistry, room: LiveRoom, target: string): Promise<void> {
  const publishers = room.participants().filter((p) => p.streams.length > 0 && p.backend !== target);
  await createAll(reg, room, publishers.map((p) => ({ p, backend: target })));
}

/**
 * The publisher published or renegotiated: update its copies, create the missing ones. Subscribers
 * can wait for the copies being created (`LiveRoom.mirrorsReady`).
 */
export function schedulePublished(reg: RoomRegistry, room: LiveRoom, id: ParticipantId): Promise<void> {
  // The removal reason stays: the copies' `leaving` from the last take-down may still be on its way.
  const key = idKey(id);
  const origin = room.participant(id)?.backend;
  const settled = reg.layout(room, { op: 'published', participant: id }).then(() => undefined, logFailure(reg, room, 'mirroring failed', id, ''));
  for (const backend of room.record.backends) {
    if (backend === origin) continue;
    const mirrorKey = `${key}|${backend}`;
    room.pendingMirrors.set(mirrorKey, settled);
    void settled.then(() => { if (room.pendingMirrors.get(mirrorKey) === settled) room.pendingMirrors.delete(mirrorKey); });
  }
  return settled;
}

/** Runs at the room's owner, in its queue: the publisher's copies follow what it publishes now. */
export async function mirrorPublished(reg: RoomRegistry, room: LiveRoom, id: ParticipantId): Promise<void> {
  const p = room.participant(id);
  if (!p || p.streams.length === 0 || room.destroyed) return;
  const backends = room.record.backends;
  // A copy recorded on a backend the room has left is gone with that backend room (or a deposed owner's leftover).
  const existing = Object.keys(p.mirrors).filter((b) => b !== p.backend && backends.includes(b));
  const missing = backends.filter((b) => b !== p.backend && !p.mirrors[b]);
  await Promise.all([
    ...existing.map((b) => updateMirror(reg, room, p, b).catch((err: unknown) => {
      // The copy is not there (any more): it is made anew.
      if (isCode(err, VideoRoomCode.NO_SUCH_FEED)) room.markMirrorRepair(id, b);
      logFailure(reg, room, 'mirror update failed', id, b)(err);
    })),
    ...missing.map((b) => createOrMark(reg, room, p, b)),
  ]);
}

/** The ids `backend`'s room lists; undefined when it could not be asked. */
async function listedOn(reg: RoomRegistry, room: LiveRoom, backend: string): Promise<Set<string> | undefined> {
  const reply = await reg.control.request(backend, { request: 'listparticipants', room: room.id }).catch(() => undefined);
  if (!reply || !Array.isArray(reply.participants)) return undefined;
  return new Set(reply.participants.flatMap((x) => (isJsonObject(x) && (typeof x.id === 'number' || typeof x.id === 'string') ? [idKey(x.id)] : [])));
}

/**
 * Runs at the room's owner, in its queue (the room's check asks for it): makes again the copies
 * `marked` (their creation failed), those the record misses, and with `verify` (this proxy took the
 * room over) those a backend does not list: a deposed owner's late steps may have removed them.
 * Janus is asked nothing but the repairs, and with `verify` one `listparticipants` per backend.
 */
export async function repairMirrors(reg: RoomRegistry, room: LiveRoom, marked: readonly MirrorRepair[], verify: boolean): Promise<void> {
  if (room.destroyed) return;
  const backends = room.record.backends;
  const publishers = room.participants().filter((p) => p.streams.length > 0 && backends.includes(p.backend));
  const due = new Map<string, { p: ParticipantRecord; backend: string }>();
  const repair = (p: ParticipantRecord, backend: string): void => { due.set(`${idKey(p.id)}|${backend}`, { p, backend }); };
  for (const m of marked) {
    const p = publishers.find((x) => idKey(x.id) === idKey(m.participant));
    if (p && p.backend !== m.backend && backends.includes(m.backend)) repair(p, m.backend);
  }
  for (const p of publishers) for (const b of backends) if (b !== p.backend && !p.mirrors[b]) repair(p, b);
  if (verify) {
    await Promise.all(backends.map(async (b) => {
      const listed = await listedOn(reg, room, b);
      if (!listed) {
        // Compared again at the next check (a backend that died leaves the room meanwhile).
        room.verifyMirrorsFrom = Date.now();
        return;
      }
      for (const p of publishers) if (p.backend !== b && p.mirrors[b] && !listed.has(idKey(p.id))) repair(p, b);
    }));
  }
  if (due.size === 0) return;
  reg.deps.logger.info({ room: room.id, mirrors: [...due.keys()] }, 'repairing mirrors');
  await createAll(reg, room, [...due.values()]);
}

/** Only the display or metadata changed: the copies learn it (their rooms send no event for it; the proxy does). */
export function scheduleDisplayChange(reg: RoomRegistry, room: LiveRoom, id: ParticipantId): Promise<void> {
  return reg.layout(room, { op: 'display', participant: id }).then(() => undefined, logFailure(reg, room, 'mirror update failed', id, ''));
}

/** Runs at the room's owner, in its queue. */
export async function updateMirroredIdentity(reg: RoomRegistry, room: LiveRoom, id: ParticipantId): Promise<void> {
  const p = room.participant(id);
  if (!p || room.destroyed) return;
  await Promise.all(Object.keys(p.mirrors).map((b) => {
    const body: JsonObject = { request: 'update_remote_publisher', room: room.id, secret: reg.options.backendRoomSecret, id, streams: [], ...publisherIdentity(p) };
    return reg.control.request(b, body).catch(logFailure(reg, room, 'mirror update failed', id, b));
  }));
}

/**
 * Takes every copy of the publisher down. `p` is the record as it was when the publisher stopped
 * (it may have left the room by the time this runs); `originAlive` false when its backend died.
 */
export function scheduleUnmirror(reg: RoomRegistry, room: LiveRoom, p: ParticipantRecord, reason: RemovalReason, originAlive = true): Promise<void> {
  const key = idKey(p.id);
  room.removals.set(key, reason);
  setTimeout(() => { if (room.removals.get(key) === reason && !room.participant(p.id)) room.removals.delete(key); }, REMOVAL_MEMORY_MS).unref();
  return reg.layout(room, { op: 'unmirror', participant: p, reason, originAlive }).then(() => undefined, logFailure(reg, room, 'unmirror failed', p.id, ''));
}

/**
 * Runs at the room's owner, in its queue. Every backend of the room but the origin may hold a copy:
 * those `p` names (as the stopping publisher's proxy saw them), those the record names now, and any
 * the owner made that neither copy shows yet (the publisher's proxy removes a leaving participant,
 * mirrors included, before this runs). A copy's names are fixed (`remoteId`), so each is taken
 * down by name; where there was none, Janus's refusal is ignored.
 */
export async function unmirror(reg: RoomRegistry, room: LiveRoom, p: ParticipantRecord, reason: RemovalReason, originAlive: boolean): Promise<void> {
  const known = { ...p.mirrors, ...room.participant(p.id)?.mirrors };
  const targets = new Set([...Object.keys(known), ...room.record.backends]);
  targets.delete(p.backend);
  await Promise.all([...targets].map((backend) => {
    const mirror = known[backend] ?? { backend, host: '', port: 0, rtcpPort: undefined, remoteId: remoteId(backend) };
    return removeMirror(reg, room, p, mirror, reason, originAlive).catch(logFailure(reg, room, 'unmirror failed', p.id, backend));
  }));
}

/** The room leaves `target`: every copy there goes (the caller destroys the backend room, if it still can). */
export async function dropMirrorsOnto(reg: RoomRegistry, room: LiveRoom, target: string, targetAlive: boolean): Promise<void> {
  const secret = reg.options.backendRoomSecret;
  await Promise.all(room.participants().map(async (p) => {
    const mirror = p.mirrors[target];
    if (!mirror) return;
    await quietly(reg.control.request(p.backend, { request: 'unpublish_remotely', room: room.id, secret, publisher_id: p.id, remote_id: mirror.remoteId }));
    if (targetAlive) await quietly(reg.control.request(target, { request: 'remove_remote_publisher', room: room.id, secret, id: p.id }));
    await reg.records.removeMirror(room, p, target);
  }));
}
