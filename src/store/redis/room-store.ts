/**
 * VideoRoom rooms in Redis, so that another proxy (or this one after a restart) can act on them.
 *
 * Layout, with prefix P and room key K (the room id as text):
 *   P vrooms                        SET of K (no KEYS/SCAN anywhere)
 *   P vroom:K                       HASH field → JSON: id, params, secret, description, isPrivate,
 *                                   permanent, allowed, listEntry, publishersPerBackend, createdAt, adopted, owner
 *   P vroom:K:backends              ZSET backend name, scored by when it joined (keeps the order)
 *   P vroom:K:participants          HASH participant key → JSON participant, without its mirrors
 *   P vroom:K:mirrors               HASH "participant key|backend" → JSON mirror
 *   P vroom:K:members               HASH "proxy id|backend" → member handles of that proxy there
 *   P proxy:<id>                    a proxy's lease (src/store/redis/proxy-lease.ts), read only
 *   P vroom:K  field version        the room's version, bumped after every write
 *   P vrooms:changed                channel: "K|version" after every write ("K|0": deleted)
 *   P vrooms:events                 channel: {"from": store instance, "event": RoomEvent}
 * Every write touches its own field, set member or hash field, so writers never overwrite each
 * other's changes and no read-modify-write is needed. The version is bumped after the write, so a
 * reader who sees the new version also sees the write.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  idKey, Listeners, type MirrorRecord, type ParticipantId, type ParticipantRecord, type RoomChange, type RoomEvent, type RoomId, type RoomPatch,
  type RoomRecord, type RoomStore,
} from '../room-store.js';
import { isJsonObject } from '../../protocol/messages.js';
import { RedisScript, storeError, type RedisConnection } from './connection.js';

const RECORD_FIELDS = ['id', 'params', 'secret', 'description', 'isPrivate', 'permanent', 'allowed', 'listEntry', 'publishersPerBackend', 'createdAt', 'adopted', 'owner', 'version'] as const;
type RecordField = (typeof RECORD_FIELDS)[number];

/**
 * A room write as one script: 0 when the room (KEYS[1]) is gone, else `body`, then the room's
 * version bumped and "room|version" (ARGV[1]) announced on the change channel (ARGV[2]).
 */
function roomScript(body: string): RedisScript {
  return new RedisScript(`
if redis.call('exists', KEYS[1]) == 0 then return 0 end
${body}
local version = redis.call('hincrby', KEYS[1], 'version', 1)
redis.call('publish', ARGV[2], ARGV[1] .. '|' .. version)
return version`);
}

/** Lua: returns `refused` unless the room's owner is ARGV[3] (JSON; null: none). */
function unlessOwnerIs(refused: number): string {
  return `if (redis.call('hget', KEYS[1], 'owner') or 'null') ~= ARGV[3] then return ${String(refused)} end`;
}

/** Bumps an existing room's version and announces it (after a write made beside it). */
const BUMP = roomScript('');

/**
 * An owner's write: made only while the room's owner is still ARGV[3] (else -1, nothing written).
 * KEYS[2] the key written, KEYS[3] a hash that must hold field ARGV[4] for the write to be made
 * ('': none); ARGV[5] the command, ARGV[6..] its arguments after the key.
 */
const FENCED = roomScript(`${unlessOwnerIs(-1)}
if ARGV[4] == '' or redis.call('hexists', KEYS[3], ARGV[4]) == 1 then
  redis.call(ARGV[5], KEYS[2], unpack(ARGV, 6))
end`);

/** Sets the owner to ARGV[4] (JSON) only if it is still ARGV[3] (else 0). */
const TAKE_OWNERSHIP = roomScript(`${unlessOwnerIs(0)}
redis.call('hset', KEYS[1], 'owner', ARGV[4])`);

export class RedisRoomStore implements RoomStore {
  readonly shared = true;

  private readonly changes = new Listeners<RoomChange>();
  private readonly events = new Listeners<RoomEvent>();
  private readonly resubscribed = new Listeners<undefined>();
  /** Tells this instance's own event frames from the others'. */
  private readonly instance = randomUUID();
  private readonly changeChannel: string;
  private readonly eventChannel: string;
  private subscribed: Promise<void> | undefined;

  constructor(private readonly redis: RedisConnection) {
    this.changeChannel = redis.key('vrooms', 'changed');
    this.eventChannel = redis.key('vrooms', 'events');
  }

  private get client(): Redis {
    return this.redis.client;
  }

  private keys(id: RoomId): { room: string; backends: string; participants: string; mirrors: string; members: string } {
    const k = idKey(id);
    return {
      members: this.redis.key('vroom', k, 'members'),
      room: this.redis.key('vroom', k),
      backends: this.redis.key('vroom', k, 'backends'),
      participants: this.redis.key('vroom', k, 'participants'),
      mirrors: this.redis.key('vroom', k, 'mirrors'),
    };
  }

  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw storeError(`room store ${operation}`, err);
    }
  }

  create(room: RoomRecord): Promise<boolean> {
    return this.run('create', async () => {
      // The set membership is the lock: only one creator of an id gets past it.
      if ((await this.client.sadd(this.redis.key('vrooms'), idKey(room.id))) === 0) return false;
      const k = this.keys(room.id);
      const multi = this.client.multi();
      multi.hset(k.room, Object.fromEntries(RECORD_FIELDS.map((f) => [f, JSON.stringify(f === 'version' ? 1 : room[f] ?? null)])));
      room.backends.forEach((b, i) => multi.zadd(k.backends, 'NX', String(Date.now() + i), b));
      for (const p of Object.values(room.participants)) this.queueParticipant(multi, room.id, p);
      multi.publish(this.changeChannel, `${idKey(room.id)}|1`);
      await multi.exec();
      return true;
    });
  }

  get(id: RoomId): Promise<RoomRecord | undefined> {
    return this.run('get', async () => (await this.read([id]))[0]);
  }

  list(): Promise<RoomRecord[]> {
    return this.run('list', async () => {
      const ids = await this.client.smembers(this.redis.key('vrooms'));
      return (await this.read(ids)).filter((r): r is RoomRecord => r !== undefined);
    });
  }

  delete(id: RoomId): Promise<boolean> {
    return this.run('delete', async () => {
      const removed = await this.client.srem(this.redis.key('vrooms'), idKey(id));
      const k = this.keys(id);
      await this.client.del(k.room, k.backends, k.participants, k.mirrors, k.members);
      if (removed === 1) await this.client.publish(this.changeChannel, `${idKey(id)}|0`);
      return removed === 1;
    });
  }

  update(id: RoomId, patch: RoomPatch, fence?: string): Promise<number> {
    const fields: Record<string, string> = {};
    // A key given as undefined (e.g. a secret set back to none) is stored as null.
    for (const [key, value] of Object.entries(patch) as [string, unknown][]) fields[key] = JSON.stringify(value ?? null);
    const room = this.keys(id).room;
    if (fence !== undefined) {
      // An empty patch still bumps the version, as the unfenced write does: a harmless read stands in for HSET.
      const command = Object.keys(fields).length > 0 ? ['hset', ...Object.entries(fields).flat()] : ['hget', 'version'];
      return this.fenced('update', id, fence, room, command);
    }
    return this.write('update', id, async () => {
      if (Object.keys(fields).length > 0 && (await this.client.exists(room)) === 1) await this.client.hset(room, fields);
    });
  }

  addBackend(id: RoomId, backend: string, fence?: string): Promise<number> {
    const key = this.keys(id).backends;
    if (fence !== undefined) return this.fenced('addBackend', id, fence, key, ['zadd', 'NX', String(Date.now()), backend]);
    return this.write('addBackend', id, async () => { await this.client.zadd(key, 'NX', String(Date.now()), backend); });
  }

  removeBackend(id: RoomId, backend: string, fence?: string): Promise<number> {
    const key = this.keys(id).backends;
    if (fence !== undefined) return this.fenced('removeBackend', id, fence, key, ['zrem', backend]);
    return this.write('removeBackend', id, async () => { await this.client.zrem(key, backend); });
  }

  putParticipant(id: RoomId, participant: ParticipantRecord): Promise<number> {
    return this.write('putParticipant', id, async () => {
      await this.client.hset(this.keys(id).participants, idKey(participant.id), JSON.stringify({ ...participant, mirrors: {} }));
    });
  }

  removeParticipant(id: RoomId, participant: ParticipantId): Promise<number> {
    return this.write('removeParticipant', id, async () => {
      const k = this.keys(id);
      const prefix = `${idKey(participant)}|`;
      const mirrors = (await this.client.hkeys(k.mirrors)).filter((f) => f.startsWith(prefix));
      const multi = this.client.multi().hdel(k.participants, idKey(participant));
      if (mirrors.length > 0) multi.hdel(k.mirrors, ...mirrors);
      await multi.exec();
    });
  }

  putMirror(id: RoomId, participant: ParticipantId, mirror: MirrorRecord, fence?: string): Promise<number> {
    const k = this.keys(id);
    const field = `${idKey(participant)}|${mirror.backend}`;
    if (fence !== undefined) return this.fenced('putMirror', id, fence, k.mirrors, ['hset', field, JSON.stringify(mirror)], idKey(participant));
    return this.write('putMirror', id, async () => {
      // Only for a participant still there (as the memory store).
      if ((await this.client.hexists(k.participants, idKey(participant))) === 0) return;
      await this.client.hset(k.mirrors, field, JSON.stringify(mirror));
    });
  }

  removeMirror(id: RoomId, participant: ParticipantId, backend: string, fence?: string): Promise<number> {
    const key = this.keys(id).mirrors;
    const field = `${idKey(participant)}|${backend}`;
    if (fence !== undefined) return this.fenced('removeMirror', id, fence, key, ['hdel', field]);
    return this.write('removeMirror', id, async () => { await this.client.hdel(key, field); });
  }

  countMember(id: RoomId, proxy: string, backend: string, delta: 1 | -1): Promise<void> {
    return this.run('countMember', async () => { await this.client.hincrby(this.keys(id).members, `${proxy}|${backend}`, delta); });
  }

  membersElsewhere(id: RoomId, proxy: string, backend: string): Promise<number> {
    return this.run('membersElsewhere', async () => {
      const key = this.keys(id).members;
      const counts = Object.entries(await this.client.hgetall(key)).flatMap(([field, raw]) => {
        const bar = field.lastIndexOf('|');
        const count = Number(raw);
        return field.slice(bar + 1) === backend && field.slice(0, bar) !== proxy && count > 0 ? [{ field, owner: field.slice(0, bar), count }] : [];
      });
      let total = 0;
      for (const { field, owner, count } of counts) {
        // A proxy whose lease expired has no members any more (the owner sweep ends its sessions).
        if ((await this.client.exists(this.redis.key('proxy', owner))) === 1) total += count;
        else await this.client.hdel(key, field);
      }
      return total;
    });
  }

  proxyAlive(proxy: string): Promise<boolean> {
    return this.run('proxyAlive', async () => (await this.client.exists(this.redis.key('proxy', proxy))) === 1);
  }

  watch(listener: (change: RoomChange) => void): () => void {
    void this.listen();
    return this.changes.add(listener);
  }

  onResubscribed(listener: () => void): () => void {
    void this.listen();
    return this.resubscribed.add(listener);
  }

  shareEvent(event: RoomEvent): void {
    // Fire and forget: a room event lost with Redis is lost as a Janus event would be with its socket.
    this.client.publish(this.eventChannel, JSON.stringify({ from: this.instance, event })).catch(() => undefined);
  }

  onEvent(listener: (event: RoomEvent) => void): () => void {
    void this.listen();
    return this.events.add(listener);
  }

  /** The connection belongs to whoever opened it. */
  close(): Promise<void> {
    this.changes.clear();
    this.events.clear();
    this.resubscribed.clear();
    return Promise.resolve();
  }

  /** A write, then the version bump that announces it. */
  private write(operation: string, id: RoomId, work: () => Promise<void>): Promise<number> {
    return this.run(operation, async () => {
      await work();
      return Number(await BUMP.run(this.client, [this.keys(id).room], [idKey(id), this.changeChannel]));
    });
  }

  /** An owner's write (FENCED): `command` is the Redis command and its arguments after `key`; `participant`: one that must still be there. */
  private fenced(operation: string, id: RoomId, fence: string, key: string, command: string[], participant = ''): Promise<number> {
    const k = this.keys(id);
    return this.run(operation, async () => Number(await FENCED.run(
      this.client, [k.room, key, k.participants], [idKey(id), this.changeChannel, JSON.stringify(fence), participant, ...command],
    )));
  }

  listening(): Promise<void> {
    return this.listen();
  }

  takeOwnership(id: RoomId, expected: string | undefined, owner: string): Promise<number> {
    return this.run('takeOwnership', async () => Number(await TAKE_OWNERSHIP.run(
      this.client, [this.keys(id).room], [idKey(id), this.changeChannel, JSON.stringify(expected ?? null), JSON.stringify(owner)],
    )));
  }

  /** Subscribes once to both channels, again after each reconnection (a shared subscriber does not by itself). */
  private listen(): Promise<void> {
    if (this.subscribed) return this.subscribed;
    const subscriber = this.redis.subscriber();
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.changeChannel) this.onChange(message);
      else if (channel === this.eventChannel) this.onEventFrame(message);
    });
    let first: (() => void) | undefined;
    let heard = false;
    this.subscribed = new Promise<void>((resolve) => { first = resolve; });
    const subscribe = (): void => {
      subscriber.subscribe(this.changeChannel, this.eventChannel).then(() => {
        // After a reconnection: what was announced meanwhile never came.
        if (heard) this.resubscribed.emit(undefined);
        heard = true;
        first?.();
      }, () => {
        // A failed SUBSCRIBE would leave the feed dead on a live connection: a fresh one subscribes again.
        if (subscriber.status === 'ready') subscriber.disconnect(true);
      });
    };
    subscriber.on('ready', subscribe);
    if (subscriber.status === 'ready') subscribe();
    return this.subscribed;
  }

  private onChange(message: string): void {
    const bar = message.lastIndexOf('|');
    const version = Number(message.slice(bar + 1));
    if (bar > 0 && Number.isInteger(version)) this.changes.emit({ room: message.slice(0, bar), version });
  }

  private onEventFrame(message: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(message);
    } catch {
      return;
    }
    if (!isJsonObject(frame) || frame.from === this.instance || !isJsonObject(frame.event)) return;
    const event = frame.event as unknown as RoomEvent;
    if (typeof event.room === 'string' && typeof event.origin === 'string' && isJsonObject(event.data)) this.events.emit(event);
  }

  private queueParticipant(multi: ReturnType<Redis['multi']>, id: RoomId, participant: ParticipantRecord): void {
    const k = this.keys(id);
    const pk = idKey(participant.id);
    multi.hset(k.participants, pk, JSON.stringify({ ...participant, mirrors: {} }));
    for (const mirror of Object.values(participant.mirrors)) multi.hset(k.mirrors, `${pk}|${mirror.backend}`, JSON.stringify(mirror));
  }

  /** Reads rooms with one pipeline round trip. */
  private async read(ids: readonly RoomId[]): Promise<(RoomRecord | undefined)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.client.pipeline();
    for (const id of ids) {
      const k = this.keys(id);
      pipeline.hgetall(k.room).zrange(k.backends, '0', '-1').hgetall(k.participants).hgetall(k.mirrors);
    }
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((_, i) => {
      const [room, backends, participants, mirrors] = replies.slice(i * 4, i * 4 + 4).map(([err, value]) => {
        if (err) throw err;
        return value;
      }) as [Record<string, string>, string[], Record<string, string>, Record<string, string>];
      return assemble(room, backends, participants, mirrors);
    });
  }
}

function assemble(room: Record<string, string>, backends: string[], participants: Record<string, string>, mirrors: Record<string, string>): RoomRecord | undefined {
  if (room.id === undefined) return undefined;
  const fields: Partial<Record<RecordField, unknown>> = {};
  for (const f of RECORD_FIELDS) {
    const value: unknown = room[f] === undefined ? undefined : JSON.parse(room[f]);
    if (value !== null) fields[f] = value;
  }
  const record = { ...fields, backends, participants: {} } as unknown as RoomRecord;
  for (const [key, raw] of Object.entries(participants)) record.participants[key] = JSON.parse(raw) as ParticipantRecord;
  for (const [key, raw] of Object.entries(mirrors)) {
    const mirror = JSON.parse(raw) as MirrorRecord;
    const p = record.participants[key.slice(0, key.lastIndexOf('|'))];
    if (p) p.mirrors[mirror.backend] = mirror;
  }
  return record;
}
