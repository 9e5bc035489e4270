/**
 * A pass-through handle for a room-routed plugin (AudioBridge, Streaming, TextRoom). Its backend is
 * chosen late: by the first request that names a room (the room's backend, from RoomRoutes), else by
 * the selection pipeline. Sync requests about a room on another backend go there on a side handle;
 * `list` asks every backend and merges. Messages, trickles and events are otherwise relayed verbatim.
 */
import { locationOf, type PluginContext, type PluginHandle, type MessageReply, type TrickleRequest, type HandleLocation, type RestoreInput } from '../plugin.js';
import type { BackendHandle } from '../../backend/backend-handle.js';
import type { JsonObject, OutgoingMessage } from '../../protocol/messages.js';
import { JanusError, JanusErrorCode, ProxyErrors } from '../../protocol/errors.js';
import { attachPlaced, BACKEND_LOST_REASON, BackendLink, type BackendLinkListener, type OpenRequest } from '../backend-link.js';
import type { RoomRoutes } from './routes.js';
import { claimRoom, releaseRejected, type RoomClaim } from './claims.js';
import { createdRoom, isPluginError, mergeLists, pluginData, routeOf, type RoomApi, type RoomKey, type Route, TEXTROOM_PLUGIN } from './rules.js';

const MAX_PENDING_TRICKLES = 64;

export interface RoomRelayDeps {
  readonly routes: RoomRoutes;
  /** Names of every known backend (for `list`). */
  readonly backends: () => readonly string[];
  /** Where a handle goes that names no room before it needs a backend (undefined: the selection pipeline). */
  readonly homeBackend: string | undefined;
  /** The backend room-less handles last went to (shared by the plugin's handles, for the warning when it moves). */
  readonly home: { current: string | undefined };
}

/** What an async request must record once its event says it succeeded. */
interface RoomTag {
  room: RoomKey;
  backend: string;
}

/** Side handles answer sync requests only: their events (none expected) are dropped. */
class SideListener implements BackendLinkListener<undefined> {
  constructor(private readonly gone: () => void) {}
  onEvent(): void {
    // Sync replies settle the request; nothing else is meant for the client.
  }
  onDetached(): void {
    this.gone();
  }
  onLost(): void {
    this.gone();
  }
}

export class RoomRelayHandle implements PluginHandle, BackendLinkListener<RoomTag | undefined> {
  private home: { link: BackendLink<RoomTag | undefined>; backend: string } | undefined;
  private readonly side = new Map<string, BackendLink>();
  private pendingTrickles: TrickleRequest[] = [];
  private closed = false;

  constructor(
    private readonly ctx: PluginContext,
    private readonly api: RoomApi,
    private readonly deps: RoomRelayDeps,
  ) {}

  /** The same handle on the proxy that took its session over, on the backend handle claimed with it. */
  static restore(ctx: PluginContext, api: RoomApi, deps: RoomRelayDeps, input: RestoreInput): RoomRelayHandle {
    const handle = new RoomRelayHandle(ctx, api, deps);
    const { backendHandle, backend } = input;
    if (backendHandle && backend !== undefined) {
      const placement = ctx.placeOn(backend, ctx.plugin);
      const link = new BackendLink<RoomTag | undefined>(backendHandle, handle, placement?.release);
      link.hadPeerConnection = true; // Janus may hold one: a later backend loss must tell the client
      handle.home = { link, backend };
    }
    return handle;
  }

  backendName(): string | undefined {
    return this.home?.backend;
  }

  location(): HandleLocation | undefined {
    return this.home ? locationOf(this.home.backend, this.home.link.handle) : undefined;
  }

  backendHandle(): BackendHandle | undefined {
    return this.home?.link.handle;
  }

  async message(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<MessageReply> {
    const route = routeOf(this.api, body);
    switch (route.kind) {
      case 'list':
        return this.list(body, transaction);
      case 'create': {
        const backend = this.newRoomBackend();
        const reply = await this.send(backend, true, body, jsep, transaction, undefined);
        const room = reply.janus === 'success' ? createdRoom(this.api, pluginData(reply)) : undefined;
        // The client learns the new room's id from this reply and may use it through another proxy
        // at once: the route is shared before the reply goes out.
        if (room !== undefined) await this.deps.routes.share(this.ctx.plugin, room, backend);
        return reply;
      }
      case 'room':
        return this.roomRequest(route, body, jsep, transaction);
      case 'home':
        return this.send(this.home?.backend ?? this.defaultHome(), route.sync, body, jsep, transaction, undefined);
    }
  }

  async trickle(request: TrickleRequest): Promise<void> {
    if (!this.home) {
      // Janus queues early candidates too; they go out once the handle has a backend.
      if (this.pendingTrickles.length < MAX_PENDING_TRICKLES) this.pendingTrickles.push(request);
      return;
    }
    await this.home.link.trickle(request);
  }

  async hangup(): Promise<void> {
    await this.home?.link.hangup();
  }

  async detach(): Promise<void> {
    this.closed = true;
    const links = [...this.side.values(), ...(this.home ? [this.home.link] : [])];
    this.side.clear();
    this.home = undefined;
    await Promise.all(links.map((l) => l.detach()));
  }

  destroy(): void {
    this.closed = true;
    for (const link of this.side.values()) link.close();
    this.side.clear();
    this.home?.link.close();
    this.home = undefined;
  }

  onEvent(msg: JsonObject, request: OpenRequest<RoomTag | undefined> | undefined): void {
    const tag = request?.tag;
    if (tag !== undefined && msg.janus === 'event') this.record(tag.room, tag.backend, 'event', pluginData(msg));
    this.ctx.emit(msg as OutgoingMessage);
  }

  onDetached(): void {
    this.home = undefined;
    this.ctx.ended();
  }

  onLost(): void {
    const link = this.home?.link;
    this.home = undefined;
    if (link?.hadPeerConnection) this.ctx.emit({ janus: 'hangup', reason: BACKEND_LOST_REASON });
    this.ctx.ended();
  }

  /** A request naming a room: to the room's backend, or where the pipeline (or this handle) puts a new room. */
  private async roomRequest(route: Extract<Route, { kind: 'room' }>, body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<MessageReply> {
    const { room, request, sync } = route;
    let backend = this.deps.routes.get(this.ctx.plugin, room);
    if (backend !== undefined && !this.usable(backend)) {
      this.ctx.logger.info({ room, backend }, 'room backend unavailable: room forgotten');
      this.deps.routes.delete(this.ctx.plugin, room, backend);
      backend = undefined;
    }
    if (backend === undefined && request !== 'create' && this.home === undefined && this.api.pinUnknown) {
      if (sync && jsep === undefined) return this.findRoom(room, request, body, transaction);
      if (!sync) backend = await this.locate(room, transaction);
    }
    // A new room named by the client: claimed atomically, so a concurrent create of the same room
    // through another proxy goes to the same backend (and gets Janus's own "room exists" there).
    let claim: RoomClaim | undefined;
    if (backend === undefined && request === 'create') {
      claim = await claimRoom(this.deps.routes, this.ctx.plugin, room, this.newRoomBackend());
      backend = claim.backend;
    }
    backend ??= this.home?.backend ?? this.choose();
    const reply = await this.send(backend, sync, body, jsep, transaction, { room, backend });
    if (reply.janus !== 'success') return reply;
    const data = pluginData(reply);
    if (request === 'create' && sync && !isPluginError(data)) {
      // Written again, not only if absent: a rejected create of the same room through another
      // proxy may have released the claim both saw while this create was on its way.
      await this.deps.routes.share(this.ctx.plugin, room, backend);
    } else if (claim && sync) {
      await releaseRejected(this.deps.routes, this.ctx.plugin, this.api, claim, (probe) => this.ask(claim.backend, probe, transaction), this.ctx.logger);
    } else {
      this.record(room, backend, request, data);
    }
    return reply;
  }

  /** A sync request of the proxy's own to `backend`: the plugin data of its answer. */
  private async ask(backend: string, body: JsonObject, transaction: string): Promise<JsonObject | undefined> {
    const reply = await this.send(backend, true, body, undefined, transaction, undefined);
    return reply.janus === 'success' ? pluginData(reply) : undefined;
  }

  /**
   * A sync request about a room no route names (a room of the backends' config files, or one made on
   * a Janus directly): asked of the usable backends in name order, the same on every proxy, until one
   * has the room; that one is then its route. Rooms on every backend thus all meet on the first one.
   */
  private async findRoom(room: RoomKey, request: string, body: JsonObject, transaction: string): Promise<MessageReply> {
    const candidates = [...this.deps.backends()].sort().filter((b) => this.usable(b));
    if (candidates.length === 0) candidates.push(this.choose());
    let reply: MessageReply | undefined;
    for (const backend of candidates) {
      reply = await this.send(backend, true, body, undefined, transaction, { room, backend });
      const data = reply.janus === 'success' ? pluginData(reply) : undefined;
      if (data !== undefined && !isPluginError(data) && data.exists !== false) {
        this.record(room, backend, request, data);
        return reply;
      }
    }
    return reply as MessageReply;
  }

  /**
   * Where an async request (a `join`) about a room no route names goes: where findRoom's `exists`
   * finds it, as for a sync request. So the first joins of a room configured on every backend meet on
   * one even when they come at once through several proxies, and a room created through another
   * proxy moments ago is found before its route's announcement arrives. Undefined: no backend has it.
   */
  private async locate(room: RoomKey, transaction: string): Promise<string | undefined> {
    if (!this.api.sync.has('exists')) return undefined;
    await this.findRoom(room, 'exists', { request: 'exists', [this.api.roomKey]: room }, transaction);
    return this.deps.routes.get(this.ctx.plugin, room);
  }

  /** Remembers (or forgets) where a room lives after a request about it succeeded there. */
  private record(room: RoomKey, backend: string, request: string, data: JsonObject | undefined): void {
    if (isPluginError(data) || data?.exists === false) return;
    const plugin = this.ctx.plugin;
    if (request === 'destroy') this.deps.routes.delete(plugin, room, backend);
    else if ((request === 'create' || this.api.pinUnknown) && this.deps.routes.get(plugin, room) === undefined) {
      this.deps.routes.set(plugin, room, backend);
    }
  }

  /**
   * Sends a request to `backend`: on the handle's own backend handle when it is there (attaching it
   * there when the handle has none yet), on a side handle for a sync request, else moves the handle
   * there if it has no PeerConnection yet; an async request for another backend's room fails.
   */
  private async send(backend: string, sync: boolean, body: JsonObject, jsep: JsonObject | undefined, transaction: string, tag: RoomTag | undefined): Promise<MessageReply> {
    if (this.home && this.home.backend !== backend) {
      if (sync && jsep === undefined) return asReply(await (await this.sideLink(backend)).message(body, undefined, transaction, undefined));
      if (this.home.link.hadPeerConnection) return this.elsewhere(body, transaction);
      const old = this.home.link;
      this.home = undefined;
      await old.detach();
      // A side handle that found the room there (locate) is not needed once the handle itself is there.
      const side = this.side.get(backend);
      this.side.delete(backend);
      if (side) void side.detach(); // never rejects
    }
    const home = this.home ?? (await this.attachHome(backend));
    return asReply(await home.link.message(body, jsep, transaction, tag));
  }

  /** An async request about a room on another backend than this handle's PeerConnection. */
  private elsewhere(body: JsonObject, transaction: string): MessageReply {
    const room = String(body[this.api.roomKey]);
    const data = {
      [this.api.label]: 'event',
      error_code: this.api.unknownErrorCode,
      error: `Room ${room} is on another Janus server of the cluster: leave and join it with a new handle`,
    };
    this.ctx.emit({ janus: 'event', transaction, plugindata: { plugin: this.ctx.plugin, data } });
    return { janus: 'ack' };
  }

  private async attachHome(backend: string): Promise<{ link: BackendLink<RoomTag | undefined>; backend: string }> {
    const { handle, placement } = await attachPlaced(this.ctx, (failed) => (failed.has(backend) ? undefined : this.ctx.placeOn(backend, this.ctx.plugin)));
    if (this.closed) {
      placement.release();
      await handle.detach();
      throw ProxyErrors.backendLost();
    }
    const home = { link: new BackendLink<RoomTag | undefined>(handle, this, placement.release), backend };
    this.home = home;
    this.ctx.save({}); // the handle's record now names its backend handle
    const early = this.pendingTrickles;
    this.pendingTrickles = [];
    for (const t of early) await home.link.trickle(t);
    return home;
  }

  private async sideLink(backend: string): Promise<BackendLink> {
    const existing = this.side.get(backend);
    if (existing && !existing.isClosed) return existing;
    const { handle, placement } = await attachPlaced(this.ctx, (failed) => (failed.has(backend) ? undefined : this.ctx.placeOn(backend, this.ctx.plugin)));
    if (this.closed) {
      placement.release();
      await handle.detach();
      throw ProxyErrors.backendLost();
    }
    const link: BackendLink = new BackendLink(handle, new SideListener(() => { if (this.side.get(backend) === link) this.side.delete(backend); }), placement.release);
    this.side.set(backend, link);
    return link;
  }

  /** Sync `list`: every usable backend answers; the lists merge, one entry per room. */
  private async list(body: JsonObject, transaction: string): Promise<MessageReply> {
    const backends = this.deps.backends().filter((b) => this.usable(b));
    if (backends.length === 0) throw ProxyErrors.noBackendAvailable(this.ctx.plugin);
    const replies = await Promise.all(backends.map(async (backend) => {
      try {
        const link = this.home?.backend === backend ? this.home.link : await this.sideLink(backend);
        const reply = asReply(await link.message({ ...body }, undefined, transaction, undefined));
        return { backend, data: reply.janus === 'success' ? pluginData({ plugindata: reply.plugindata }) : undefined };
      } catch (err) {
        this.ctx.logger.warn({ backend, err: (err as Error).message }, 'list: backend did not answer');
        return { backend, data: undefined };
      }
    }));
    const data = mergeLists(this.api, replies, (room) => this.deps.routes.get(this.ctx.plugin, room));
    if (data === undefined) throw new JanusError(JanusErrorCode.UNKNOWN, `No backend answered the ${this.api.label} list`);
    return { janus: 'success', plugindata: { plugin: this.ctx.plugin, data } };
  }

  /**
   * Where a handle without a room goes: the configured home backend if usable; for TextRoom (whose
   * demo names its room only on the data channel) the first usable backend by name, the same on
   * every proxy, so that its users meet; else the pipeline's choice.
   */
  private defaultHome(): string {
    const configured = this.deps.homeBackend;
    if (configured !== undefined && this.usable(configured)) return configured;
    if (this.ctx.plugin !== TEXTROOM_PLUGIN) return this.choose();
    const first = [...this.deps.backends()].sort().find((b) => this.usable(b));
    if (first === undefined) return this.choose();
    const home = this.deps.home;
    if (home.current !== undefined && home.current !== first) {
      // Users already on the old home stay there: those of one room may now be split.
      this.ctx.logger.warn({ plugin: this.ctx.plugin, from: home.current, to: first }, 'room-less handles now go to another backend: users of one room may be split');
    }
    home.current = first;
    return first;
  }

  /**
   * Where a new room goes: the selection pipeline's choice; a TextRoom room where room-less handles
   * go (its users may name it only on the data channel, after `setup`), or with the creating
   * handle's own data channel.
   */
  private newRoomBackend(): string {
    return this.ctx.plugin === TEXTROOM_PLUGIN ? this.home?.backend ?? this.defaultHome() : this.choose();
  }

  /** The selection pipeline's backend for a new room (reserved again when a handle attaches there). */
  private choose(): string {
    const placement = this.ctx.place(this.ctx.plugin);
    if (!placement) throw ProxyErrors.noBackendAvailable(this.ctx.plugin);
    placement.release();
    return placement.backend.name;
  }

  private usable(backend: string): boolean {
    const placement = this.ctx.placeOn(backend, this.ctx.plugin);
    placement?.release();
    return placement !== undefined;
  }
}

function asReply(reply: JsonObject): MessageReply {
  if (reply.janus === 'ack') return typeof reply.hint === 'string' ? { janus: 'ack', hint: reply.hint } : { janus: 'ack' };
  return { janus: 'success', plugindata: reply.plugindata };
}
