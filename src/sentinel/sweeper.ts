/**
 * Destroys the backend rooms the proxy created (their description starts with the marker) once
 * they have had no real participant for the idle time. The proxy protects them with a cluster-wide
 * room secret that the sentinel is given, so it can destroy them even where clients set their own
 * secrets. Unmarked rooms (static ones, other applications') are never touched. Before destroying,
 * it asks the Admin API (when configured) whether any handle is still in the room: subscribers of
 * remote publishers are in no participant list.
 */
import type { Logger } from 'pino';
import { JanusApiSession } from './janus-api-session.js';
import { destroyRoom, hasRealParticipants, listRooms, PLUGIN_PACKAGES, roomHasHandles, type RoomId, type SweptPlugin } from './sweeper-rooms.js';
import type { AdminClient } from './admin-client.js';

export interface SweeperOptions {
  wsUrl: string;
  apiSecret: string | undefined;
  requestTimeoutMs: number;
  intervalMs: number;
  idleTimeoutMs: number;
  marker: string;
  roomSecret: string | undefined;
  adminKey: string | undefined;
  plugins: readonly SweptPlugin[];
  /** Our own Janus sessions, left out of the load figures and the drain. */
  ownSessions: Set<number>;
  /** The local Janus's Admin API, to find subscribers in a room before destroying it (optional). */
  admin?: AdminClient | undefined;
  janusAlive(): boolean;
  /** Plugins this Janus has loaded (package names), from its `info`. */
  loadedPlugins(): readonly string[];
  logger: Logger;
}

export interface SweptRoom {
  plugin: SweptPlugin;
  room: RoomId;
}

export interface SweepResult {
  destroyed: SweptRoom[];
  /** Marked rooms that are idle but not for long enough yet. */
  idle: SweptRoom[];
}

const key = (plugin: SweptPlugin, room: RoomId): string => `${plugin}:${typeof room}:${String(room)}`;

export class RoomSweeper {
  /** When each marked room was first seen without participants. */
  private readonly idleSince = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | undefined;

  constructor(private readonly options: SweeperOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.options.janusAlive()) void this.sweepOnce().catch((err: unknown) => { this.options.logger.warn({ err }, 'room sweep failed'); });
    }, this.options.intervalMs);
  }

  /** Stops the timer and waits for a sweep under way (so its session is destroyed). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every swept plugin; a sweep already under way is joined, not doubled. */
  sweepOnce(nowMs = Date.now()): Promise<SweepResult> {
    this.running ??= this.sweep(nowMs).finally(() => { this.running = undefined; });
    return this.running;
  }

  private async sweep(nowMs: number): Promise<SweepResult> {
    const loaded = this.options.loadedPlugins();
    const plugins = this.options.plugins.filter((p) => loaded.includes(PLUGIN_PACKAGES[p]));
    const result: SweepResult = { destroyed: [], idle: [] };
    if (plugins.length === 0) return result;
    const o = this.options;
    const session = await JanusApiSession.open(o.wsUrl, o.apiSecret, o.requestTimeoutMs, o.ownSessions);
    try {
      for (const plugin of plugins) await this.sweepPlugin(session, plugin, nowMs, result);
    } finally {
      await session.close();
    }
    return result;
  }

  private async sweepPlugin(session: JanusApiSession, plugin: SweptPlugin, nowMs: number, result: SweepResult): Promise<void> {
    const handleId = await session.attach(PLUGIN_PACKAGES[plugin]);
    const rooms = (await listRooms(session, handleId, this.options.adminKey)).filter((r) => r.description.startsWith(this.options.marker));
    const seen = new Set<string>();
    for (const { room, numParticipants } of rooms) {
      const roomKey = key(plugin, room);
      seen.add(roomKey);
      if (await this.occupied(session, handleId, plugin, room, numParticipants)) {
        this.idleSince.delete(roomKey);
        continue;
      }
      const since = this.idleSince.get(roomKey) ?? nowMs;
      this.idleSince.set(roomKey, since);
      if (nowMs - since < this.options.idleTimeoutMs) {
        result.idle.push({ plugin, room });
        continue;
      }
      if (await this.inUseByHandles(plugin, room)) {
        this.idleSince.delete(roomKey);
        continue;
      }
      try {
        await destroyRoom(session, handleId, room, this.options.roomSecret);
        this.idleSince.delete(roomKey);
        result.destroyed.push({ plugin, room });
        this.options.logger.info({ plugin, room, idleMs: nowMs - since }, 'destroyed idle room');
      } catch (err) {
        this.options.logger.warn({ err, plugin, room }, 'cannot destroy idle room');
      }
    }
    // Forget rooms that are gone (destroyed by the proxy, or by us above).
    for (const roomKey of this.idleSince.keys()) if (roomKey.startsWith(`${plugin}:`) && !seen.has(roomKey)) this.idleSince.delete(roomKey);
  }

  /** Without the Admin API there is nothing more to ask; a failed check counts as in use. */
  private async inUseByHandles(plugin: SweptPlugin, room: RoomId): Promise<boolean> {
    const admin = this.options.admin;
    if (!admin) return false;
    try {
      return await roomHasHandles(admin, PLUGIN_PACKAGES[plugin], room, this.options.ownSessions);
    } catch (err) {
      this.options.logger.debug({ err, plugin, room }, 'handle scan failed');
      return true;
    }
  }

  /** A failed participant list counts as occupied: never destroy a room we could not check. */
  private async occupied(session: JanusApiSession, handleId: number, plugin: SweptPlugin, room: RoomId, numParticipants: number): Promise<boolean> {
    if (numParticipants === 0) return false;
    try {
      return await hasRealParticipants(session, handleId, plugin, room);
    } catch (err) {
      this.options.logger.debug({ err, plugin, room }, 'listparticipants failed');
      return true;
    }
  }
}
