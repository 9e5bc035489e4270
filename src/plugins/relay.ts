/**
 * A handle placed on one backend whose messages, trickles and events are relayed verbatim, with
 * only ids and transactions rewritten. Serves echotest and every plugin without a cluster-aware module.
 */
import type { PluginContext, PluginHandle, MessageReply, TrickleRequest, ProxyPlugin } from './plugin.js';
import type { BackendHandle, BackendHandleListener } from '../backend/backend-handle.js';
import { nextBackendTransaction } from '../protocol/ids.js';
import type { JsonObject, OutgoingMessage } from '../protocol/messages.js';
import { isBackendFailure, ProxyErrors } from '../protocol/errors.js';

/** Transactions of async requests still waiting for their event; bounded so a silent plugin cannot leak. */
const MAX_OPEN_TRANSACTIONS = 64;
export const BACKEND_LOST_REASON = 'Janus backend lost';
const MAX_PLACEMENT_ATTEMPTS = 3;

export class RelayHandle implements PluginHandle, BackendHandleListener {
  private readonly transactions = new Map<string, string>();
  private hadPeerConnection = false;
  private closed = false;

  private constructor(
    private readonly ctx: PluginContext,
    private readonly backendHandle: BackendHandle,
    private readonly release: () => void,
  ) {
    backendHandle.listener = this;
  }

  /**
   * Places the handle and attaches it on the backend. A backend that fails on the way (connection
   * lost, no answer) is skipped and the next choice tried, so one dying Janus does not fail attaches.
   */
  static async attach(ctx: PluginContext): Promise<RelayHandle> {
    const failed = new Set<string>();
    let lastError: unknown = ProxyErrors.noBackendAvailable(ctx.plugin);
    for (let attempt = 0; attempt < MAX_PLACEMENT_ATTEMPTS; attempt++) {
      const placement = ctx.place(ctx.plugin, failed);
      if (!placement) break;
      try {
        const session = ctx.backendSession(placement.backend);
        const backendHandle = await session.attach(ctx.plugin, ctx.opaqueId);
        ctx.logger.debug({ backend: placement.backend.name, backendHandle: backendHandle.id }, 'handle placed');
        return new RelayHandle(ctx, backendHandle, placement.release);
      } catch (err) {
        placement.release();
        if (!isBackendFailure(err)) throw err;
        ctx.logger.warn({ backend: placement.backend.name, err: (err as Error).message }, 'placement failed, trying another backend');
        failed.add(placement.backend.name);
        lastError = err;
      }
    }
    throw lastError;
  }

  async message(body: JsonObject, jsep: JsonObject | undefined, clientTransaction: string): Promise<MessageReply> {
    const transaction = nextBackendTransaction();
    this.remember(transaction, clientTransaction);
    if (jsep !== undefined) this.hadPeerConnection = true;
    try {
      const reply = await this.backendHandle.message(body, jsep, transaction);
      if (reply.janus === 'ack') return typeof reply.hint === 'string' ? { janus: 'ack', hint: reply.hint } : { janus: 'ack' };
      this.transactions.delete(transaction);
      return { janus: 'success', plugindata: reply.plugindata };
    } catch (err) {
      this.transactions.delete(transaction);
      throw err;
    }
  }

  async trickle(request: TrickleRequest): Promise<void> {
    await this.backendHandle.trickle(request);
  }

  async hangup(): Promise<void> {
    await this.backendHandle.hangup();
  }

  async detach(): Promise<void> {
    this.close();
    await this.backendHandle.detach();
  }

  destroy(): void {
    this.close();
  }

  onBackendEvent(msg: JsonObject): void {
    if (this.closed) return;
    if (msg.janus === 'detached') {
      this.close();
      this.ctx.ended();
      return;
    }
    if (msg.janus === 'event' || msg.janus === 'webrtcup') this.hadPeerConnection ||= msg.jsep !== undefined || msg.janus === 'webrtcup';
    const backendTransaction = msg.transaction;
    if (typeof backendTransaction === 'string') {
      const clientTransaction = this.transactions.get(backendTransaction);
      if (clientTransaction !== undefined && msg.janus === 'event') this.transactions.delete(backendTransaction);
      if (clientTransaction === undefined) delete msg.transaction;
      else msg.transaction = clientTransaction;
    }
    this.ctx.emit(msg as OutgoingMessage);
  }

  onBackendLost(): void {
    if (this.closed) return;
    if (this.hadPeerConnection) this.ctx.emit({ janus: 'hangup', reason: BACKEND_LOST_REASON });
    this.close();
    this.ctx.ended();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.backendHandle.listener = undefined;
    this.release();
  }

  private remember(backendTransaction: string, clientTransaction: string): void {
    if (this.transactions.size >= MAX_OPEN_TRANSACTIONS) {
      const oldest = this.transactions.keys().next().value;
      if (oldest !== undefined) this.transactions.delete(oldest);
    }
    this.transactions.set(backendTransaction, clientTransaction);
  }
}

/** A plugin whose handles are all relays to the least-loaded backend offering it. */
export function relayPlugin(name: string): ProxyPlugin {
  return { name, createHandle: (ctx) => RelayHandle.attach(ctx) };
}
