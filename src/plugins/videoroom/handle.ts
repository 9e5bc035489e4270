/**
 * A client's VideoRoom handle. Synchronous requests are served room-wide through the control
 * channels; asynchronous ones go to the handle's own backend handle, which is attached at `join` on
 * the backend placement picks (the publisher's, or the subscriber's own publisher's). Events come
 * back through one queue per handle, so they reach the client in the order Janus sent them.
 */
import type { BackendHandle } from '../../backend/backend-handle.js';
import { locationOf, type HandleLocation, type MessageReply, type PluginContext, type PluginHandle, type RestoreInput, type TrickleRequest } from '../plugin.js';
import { BACKEND_LOST_REASON, BackendLink, type BackendLinkListener, type OpenRequest } from '../backend-link.js';
import { JanusError } from '../../protocol/errors.js';
import type { JsonObject, OutgoingMessage } from '../../protocol/messages.js';
import type { ParticipantId, RoomId } from '../../store/room-store.js';
import { asVideoRoomError, errorData, VideoRoomCode as C, VideoRoomError } from './errors.js';
import { ASYNC_REQUESTS, serveSync } from './sync.js';
import { SerialQueue, type LiveRoom, type RoomMember } from './room.js';
import { VIDEOROOM_PLUGIN } from './options.js';
import type { RoomRegistry } from './rooms.js';
import { sendJoin } from './join.js';
import { onPublisherEvent, publisherGone } from './publisher.js';
import { onSubscriberEvent, prepareSubscriberRequest, subscriberGone } from './subscriber.js';
import { parseSavedState, savedState } from './saved-state.js';

const MAX_PENDING_TRICKLES = 256;

/** What the handle remembers about an async request until its event arrives. */
export interface RequestTag {
  request: string;
  body: JsonObject;
}

export type HandleState = 'idle' | 'joining' | 'joined';
export type Role = 'publisher' | 'subscriber';

export class VideoRoomHandle implements PluginHandle, BackendLinkListener<RequestTag>, RoomMember {
  state: HandleState = 'idle';
  role: Role = 'publisher';
  link: BackendLink<RequestTag> | undefined;
  /** The backend the link is on. */
  backend = '';
  room: LiveRoom | undefined;
  participantId: ParticipantId | undefined;
  /** The participant id this handle's join reserved in its room, until the join is answered. */
  reservedId: string | undefined;
  /** Trickles that arrived before the backend handle existed. */
  pendingTrickles: TrickleRequest[] = [];
  closed = false;
  /** The publisher's PeerConnection is up (between `webrtcup` and `hangup`). */
  mediaUp = false;
  private readonly requests = new SerialQueue();
  private readonly events = new SerialQueue();
  /** The state last written with the handle's record, to write only changes. */
  private saved = '{}';

  constructor(
    readonly ctx: PluginContext,
    readonly reg: RoomRegistry,
  ) {}

  /**
   * The same participant on the proxy that took its session over: its backend handle was claimed
   * with the session, and the room (re-read from the store) counts it as a member here again. A
   * session being swept has no backend handle left: the participant is restored only to be removed.
   */
  static async restore(ctx: PluginContext, reg: RoomRegistry, input: RestoreInput): Promise<VideoRoomHandle> {
    const h = new VideoRoomHandle(ctx, reg);
    if (input.backend !== undefined) h.backend = input.backend;
    if (input.backend !== undefined && input.backendHandle) {
      h.link = new BackendLink(input.backendHandle, h, reg.reserve(input.backend).release);
      // Janus may hold a PeerConnection for it: a later backend loss must tell the client.
      h.link.hadPeerConnection = true;
    }
    const saved = parseSavedState(input.state);
    const room = saved && (await reg.reload(saved.room));
    if (!saved || !room || room.destroyed) return h;
    // A publisher the room no longer lists (it left, or was kicked while no proxy held its session) is no member.
    if (saved.role === 'publisher' && (saved.participant === undefined || !room.participant(saved.participant))) return h;
    h.room = room;
    h.role = saved.role;
    h.participantId = saved.participant;
    h.mediaUp = saved.mediaUp;
    h.state = 'joined';
    h.saved = JSON.stringify(savedState(saved));
    reg.addMember(room, h);
    return h;
  }

  /** For the admin API: the backend the handle joined on (none before `join`). */
  backendName(): string | undefined {
    return this.backend === '' ? undefined : this.backend;
  }

  backendHandle(): BackendHandle | undefined {
    return this.link?.handle;
  }

  location(): HandleLocation | undefined {
    return this.link ? locationOf(this.backend, this.link.handle) : undefined;
  }

  async message(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<MessageReply> {
    const request = body.request;
    if (request === undefined) return this.syncReply(errorData(C.MISSING_ELEMENT, 'Missing mandatory element (request)'));
    if (typeof request !== 'string') return this.syncReply(errorData(C.INVALID_ELEMENT, 'Invalid element type (request should be a string)'));
    const name = request.toLowerCase();
    if (!ASYNC_REQUESTS.has(name)) return this.syncReply(await serveSync(this.reg, name, body));
    return this.requests.run(() => this.sendAsync(name, body, jsep, transaction));
  }

  /**
   * Sends an async request on: resolves with the backend's ack (or rejects with its core error, as
   * Janus would answer). Errors the proxy finds itself become the request's error event.
   */
  private async sendAsync(name: string, body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<MessageReply> {
    try {
      if (this.closed) throw new VideoRoomError(C.UNKNOWN_ERROR, 'Handle closed');
      const joining = name === 'join' || name === 'joinandconfigure';
      // A handle that has not joined (or whose join failed) joins anew; once joined, Janus answers for itself.
      if (joining && this.state === 'idle') return await sendJoin(this, name, body, jsep, transaction);
      if (!this.link) throw new VideoRoomError(C.JOIN_FIRST, 'Invalid request on unconfigured participant');
      if (this.state === 'joined' && this.role === 'subscriber') await prepareSubscriberRequest(this, name, body);
      return await this.forward(name, body, jsep, transaction);
    } catch (err) {
      if (err instanceof JanusError) throw err;
      this.emitEvent(asVideoRoomError(err).data, transaction);
      return { janus: 'ack' };
    }
  }

  /** Sends a request to the handle's backend handle as it is. */
  async forward(name: string, body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<MessageReply> {
    const link = this.link;
    if (!link) throw new VideoRoomError(C.JOIN_FIRST, 'Invalid request on unconfigured participant');
    const reply = await link.message(body, jsep, transaction, { request: name, body });
    if (reply.janus === 'ack') return { janus: 'ack' };
    return { janus: 'success', plugindata: reply.plugindata };
  }

  async trickle(request: TrickleRequest): Promise<void> {
    const link = this.link;
    if (!link || this.state === 'idle') {
      // Janus queues early candidates too; these go out right after the join (bounded: a client
      // trickling without ever joining must not grow the queue for ever).
      if (this.pendingTrickles.length < MAX_PENDING_TRICKLES) this.pendingTrickles.push(request);
      return;
    }
    await link.trickle(request);
  }

  /** Sends the candidates that arrived before the backend handle existed, in order. */
  async flushTrickles(): Promise<void> {
    const link = this.link;
    if (!link) return;
    const queued = this.pendingTrickles.splice(0);
    for (const request of queued) await link.trickle(request).catch(() => undefined);
  }

  async hangup(): Promise<void> {
    await this.link?.hangup();
  }

  async detach(): Promise<void> {
    this.leaveRoom();
    const link = this.link;
    this.link = undefined;
    await link?.detach();
  }

  destroy(): void {
    this.leaveRoom();
    this.link?.close();
    this.link = undefined;
  }

  /** The session moved to another proxy, which carries on with the backend handle and the participant. */
  release(): void {
    this.closed = true;
    this.pendingTrickles = [];
    if (this.room) this.reg.removeMember(this.room, this);
    this.link?.close();
    this.link = undefined;
  }

  /** The client handle goes: the room forgets it (the backend detach tells that backend's own participants). */
  private leaveRoom(): void {
    if (this.closed) return;
    this.closed = true;
    this.pendingTrickles = [];
    if (this.role === 'publisher') publisherGone(this, 'left', true);
    else subscriberGone(this);
  }

  onEvent(msg: JsonObject, request: OpenRequest<RequestTag> | undefined): void {
    void this.events.run(async () => {
      try {
        if (this.role === 'subscriber') await onSubscriberEvent(this, msg, request?.tag);
        else await onPublisherEvent(this, msg, request?.tag);
        this.persist();
      } catch (err) {
        this.ctx.logger.warn({ err: (err as Error).message }, 'videoroom event handling failed');
        this.emit(msg);
      }
    });
  }

  onDetached(): void {
    this.leaveRoom();
    this.link = undefined;
    this.ctx.ended();
  }

  onLost(): void {
    const hadPeerConnection = this.link?.hadPeerConnection ?? false;
    if (!this.closed) {
      this.closed = true;
      if (this.role === 'publisher') publisherGone(this, 'left', false);
      else subscriberGone(this);
    }
    this.link = undefined;
    if (hadPeerConnection) this.ctx.emit({ janus: 'hangup', reason: BACKEND_LOST_REASON });
    this.ctx.ended();
  }

  /**
   * A publisher's join is placed: saved before Janus is asked, so that a proxy dying before `joined`
   * (or before the joined state is saved) leaves a record the surviving proxies' sweep can end,
   * taking the participant out of the room. `persist` replaces it once the join succeeds or fails.
   */
  saveJoining(room: RoomId, participant: ParticipantId): void {
    this.write(JSON.stringify(savedState({ room, role: 'publisher', participant, mediaUp: false })));
  }

  /** Records a change of room, role, participant or media state with the handle's record (events that change nothing write nothing). */
  persist(): void {
    if (this.state === 'joining' && !this.closed) return; // the join's own saved state stands until it ends
    const joined = this.state === 'joined' && this.room !== undefined && !this.closed;
    this.write(JSON.stringify(savedState(joined && this.room
      ? { room: this.room.id, role: this.role, participant: this.participantId, mediaUp: this.mediaUp }
      : undefined)));
  }

  private write(state: string): void {
    if (state === this.saved) return;
    this.saved = state;
    this.ctx.save(JSON.parse(state) as JsonObject);
  }

  /** RoomMember: a room event the proxy makes up for this participant. */
  notify(data: JsonObject): void {
    void this.events.run(() => {
      this.emitEvent(data);
      return Promise.resolve();
    });
  }

  emit(msg: JsonObject): void {
    this.ctx.emit(msg as OutgoingMessage);
  }

  emitEvent(data: JsonObject, transaction?: string): void {
    const event: OutgoingMessage = { janus: 'event' };
    if (transaction !== undefined) event.transaction = transaction;
    event.plugindata = { plugin: VIDEOROOM_PLUGIN, data };
    this.ctx.emit(event);
  }

  private syncReply(data: JsonObject): MessageReply {
    return { janus: 'success', plugindata: { plugin: VIDEOROOM_PLUGIN, data } };
  }
}
