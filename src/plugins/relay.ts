/**
 * A handle placed on one backend whose messages, trickles and events are relayed verbatim, with
 * only ids and transactions rewritten. Serves echotest and every plugin without a cluster-aware module.
 */
import { locationOf, type PluginContext, type PluginHandle, type MessageReply, type TrickleRequest, type ProxyPlugin, type HandleLocation, type RestoreInput } from './plugin.js';
import type { BackendHandle } from '../backend/backend-handle.js';
import type { ReplyReceiver } from '../backend/pending-requests.js';
import type { JsonObject, OutgoingMessage } from '../protocol/messages.js';
import type { RelayedEvent } from '../protocol/relayed-event.js';
import { attachPlaced, BACKEND_LOST_REASON, BackendLink, type BackendLinkListener, type OpenRequest } from './backend-link.js';

export { BACKEND_LOST_REASON } from './backend-link.js';

export class RelayHandle implements PluginHandle, BackendLinkListener<undefined> {
  private readonly link: BackendLink;

  private constructor(
    private readonly ctx: PluginContext,
    backendHandle: BackendHandle,
    release: () => void,
    private readonly backend: string,
  ) {
    this.link = new BackendLink(backendHandle, this, release);
  }

  /** Places the handle on the least-loaded backend offering the plugin and attaches it there. */
  static async attach(ctx: PluginContext): Promise<RelayHandle> {
    const { handle, placement } = await attachPlaced(ctx, (failed) => ctx.place(ctx.plugin, failed));
    return new RelayHandle(ctx, handle, placement.release, placement.backend.name);
  }

  /** The same relay on the proxy that took its session over: its backend handle was claimed with the session. */
  static restore(ctx: PluginContext, input: RestoreInput): Promise<RelayHandle> {
    const { backendHandle, backend } = input;
    if (!backendHandle || backend === undefined) return Promise.reject(new Error('relay handle record without a backend handle'));
    const placement = ctx.placeOn(backend, ctx.plugin);
    const relay = new RelayHandle(ctx, backendHandle, placement?.release ?? (() => undefined), backend);
    // Janus may hold a PeerConnection for it: a later backend loss must tell the client.
    relay.link.hadPeerConnection = true;
    return Promise.resolve(relay);
  }

  async message(body: JsonObject, jsep: JsonObject | undefined, clientTransaction: string): Promise<MessageReply> {
    const reply = await this.link.message(body, jsep, clientTransaction, undefined);
    if (reply.janus === 'ack') return typeof reply.hint === 'string' ? { janus: 'ack', hint: reply.hint } : { janus: 'ack' };
    return { janus: 'success', plugindata: reply.plugindata };
  }

  sendMessage(body: JsonObject, jsep: JsonObject | undefined, clientTransaction: string, receiver: ReplyReceiver): void {
    this.link.send(body, jsep, clientTransaction, undefined, receiver);
  }

  trickle(request: TrickleRequest): Promise<void> {
    return this.link.trickle(request);
  }

  hangup(): Promise<void> {
    return this.link.hangup();
  }

  detach(): Promise<void> {
    return this.link.detach();
  }

  destroy(): void {
    this.link.close();
  }

  backendName(): string {
    return this.backend;
  }

  location(): HandleLocation {
    return locationOf(this.backend, this.link.handle);
  }

  release(): void {
    this.link.close();
  }

  backendHandle(): BackendHandle {
    return this.link.handle;
  }

  onEvent(msg: JsonObject): void {
    this.ctx.emit(msg as OutgoingMessage);
  }

  onRelayedEvent(event: RelayedEvent, request: OpenRequest<undefined> | undefined): void {
    this.ctx.emitRelayed(event, request?.clientTransaction);
  }

  onDetached(): void {
    this.ctx.ended();
  }

  onLost(): void {
    if (this.link.hadPeerConnection) this.ctx.emit({ janus: 'hangup', reason: BACKEND_LOST_REASON });
    this.ctx.ended();
  }
}

/** A plugin whose handles are all relays to the least-loaded backend offering it. */
export function relayPlugin(name: string): ProxyPlugin {
  return { name, createHandle: (ctx) => RelayHandle.attach(ctx), restore: (ctx, input) => RelayHandle.restore(ctx, input) };
}
