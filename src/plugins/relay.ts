/**
 * A handle placed on one backend whose messages, trickles and events are relayed verbatim, with
 * only ids and transactions rewritten. Serves echotest and every plugin without a cluster-aware module.
 */
import type { PluginContext, PluginHandle, MessageReply, TrickleRequest, ProxyPlugin } from './plugin.js';
import type { BackendHandle } from '../backend/backend-handle.js';
import type { JsonObject, OutgoingMessage } from '../protocol/messages.js';
import { attachPlaced, BACKEND_LOST_REASON, BackendLink, type BackendLinkListener } from './backend-link.js';

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

  async message(body: JsonObject, jsep: JsonObject | undefined, clientTransaction: string): Promise<MessageReply> {
    const reply = await this.link.message(body, jsep, clientTransaction, undefined);
    if (reply.janus === 'ack') return typeof reply.hint === 'string' ? { janus: 'ack', hint: reply.hint } : { janus: 'ack' };
    return { janus: 'success', plugindata: reply.plugindata };
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

  backendHandle(): BackendHandle {
    return this.link.handle;
  }

  onEvent(msg: JsonObject): void {
    this.ctx.emit(msg as OutgoingMessage);
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
  return { name, createHandle: (ctx) => RelayHandle.attach(ctx) };
}
