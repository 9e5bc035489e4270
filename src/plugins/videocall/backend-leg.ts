/**
 * One user's VideoCall handle on the backend Janus of a call, registered there under an alias (so a
 * stale handle on that Janus — e.g. left by a crashed proxy — can never block the real username).
 * Requests either run for the proxy itself (`ask`: the answer event is consumed here) or on behalf
 * of the client (`forward`: the answer event goes to the client with the client's transaction).
 */
import type { BackendHandle } from '../../backend/backend-handle.js';
import type { Placement } from '../../cluster/cluster.js';
import { ProxyErrors } from '../../protocol/errors.js';
import { isJsonObject, type JsonObject } from '../../protocol/messages.js';
import type { PluginContext, TrickleRequest } from '../plugin.js';
import { BackendLink, type BackendLinkListener, type OpenRequest } from '../backend-link.js';
import { CallError } from './errors.js';

export const VIDEOCALL_PLUGIN = 'janus.plugin.videocall';
const ASK_TIMEOUT_MS = 10_000;

export interface LegListener {
  onLegEvent(leg: BackendLeg, msg: JsonObject): void;
  /** The handle is gone without the proxy asking (backend died, or Janus detached it). */
  onLegLost(leg: BackendLeg): void;
}

/** An `ask` waiting for its event: settles once (event, error, deadline or loss of the leg). */
class Waiter {
  readonly event: Promise<JsonObject>;
  private settle: ((event: JsonObject | Error) => void) | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(onSettled: (waiter: Waiter) => void) {
    this.event = new Promise<JsonObject>((resolve, reject) => {
      this.settle = (outcome) => {
        this.settle = undefined;
        clearTimeout(this.timer);
        onSettled(this);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
    });
    this.timer = setTimeout(() => {
      this.settle?.(ProxyErrors.backendTimeout());
    }, ASK_TIMEOUT_MS);
  }

  resolve(event: JsonObject): void {
    this.settle?.(event);
  }

  reject(err: unknown): void {
    this.settle?.(err instanceof Error ? err : new Error(String(err)));
  }
}

/** The plugin data of a VideoCall event (`{"videocall":"event", …}`), if it is one. */
export function videocallData(msg: JsonObject): JsonObject | undefined {
  const plugindata = msg.plugindata;
  if (!isJsonObject(plugindata) || !isJsonObject(plugindata.data)) return undefined;
  return plugindata.data;
}

export class BackendLeg implements BackendLinkListener<Waiter | undefined> {
  private readonly link: BackendLink<Waiter | undefined>;
  private readonly waiters = new Set<Waiter>();

  private constructor(
    handle: BackendHandle,
    private readonly placement: Placement,
    readonly alias: string,
    private readonly listener: LegListener,
  ) {
    this.link = new BackendLink<Waiter | undefined>(handle, this, placement.release);
  }

  /** A leg whose backend handle this proxy claimed with a session it took over: registered there already. */
  static adopt(handle: BackendHandle, placement: Placement, alias: string, listener: LegListener): BackendLeg {
    const leg = new BackendLeg(handle, placement, alias, listener);
    // Janus may hold a PeerConnection for it: a later backend loss must tell the client.
    leg.link.hadPeerConnection = true;
    return leg;
  }

  /** Attaches on the placed backend and registers `alias` (from makeAlias) there. */
  static async open(ctx: PluginContext, placement: Placement, alias: string, listener: LegListener): Promise<BackendLeg> {
    let handle: BackendHandle;
    try {
      handle = await ctx.backendSession(placement.backend).attach(VIDEOCALL_PLUGIN, ctx.opaqueId);
    } catch (err) {
      placement.release();
      throw err;
    }
    const leg = new BackendLeg(handle, placement, alias, listener);
    try {
      const data = videocallData(await leg.ask({ request: 'register', username: alias }));
      if (typeof data?.error_code === 'number') throw new CallError(data.error_code, String(data.error));
    } catch (err) {
      await leg.close();
      throw err;
    }
    return leg;
  }

  get backendName(): string {
    return this.placement.backend.name;
  }

  get backendHandle(): BackendHandle {
    return this.link.handle;
  }

  get alive(): boolean {
    return !this.link.isClosed && this.link.handle.alive;
  }

  /** A request for the proxy itself: resolves with its event, which the client never sees. */
  async ask(body: JsonObject): Promise<JsonObject> {
    const waiter = new Waiter((w) => this.waiters.delete(w));
    this.waiters.add(waiter);
    try {
      await this.link.message(body, undefined, '', waiter);
    } catch (err) {
      waiter.reject(err);
    }
    return waiter.event;
  }

  /** A client request: resolves on Janus's ack; its event reaches the listener with `clientTransaction`. */
  async forward(body: JsonObject, jsep: JsonObject | undefined, clientTransaction: string): Promise<void> {
    await this.link.message(body, jsep, clientTransaction, undefined);
  }

  async trickle(request: TrickleRequest): Promise<void> {
    await this.link.trickle(request);
  }

  async hangup(): Promise<void> {
    await this.link.hangup();
  }

  /** Stops listening without a word to the backend: the session moved to another proxy. */
  drop(): void {
    if (this.link.isClosed) return;
    this.failWaiters();
    this.link.close();
  }

  /** Detaches the backend handle (Janus then ends its call for the peer) and frees the placement. */
  async close(): Promise<void> {
    if (this.link.isClosed) return;
    this.failWaiters();
    await this.link.detach();
  }

  onEvent(msg: JsonObject, request: OpenRequest<Waiter | undefined> | undefined): void {
    const waiter = request?.tag;
    if (waiter) {
      if (msg.janus === 'event') waiter.resolve(msg);
      return;
    }
    this.listener.onLegEvent(this, msg);
  }

  onDetached(): void {
    this.failWaiters();
    this.listener.onLegLost(this);
  }

  onLost(): void {
    this.failWaiters();
    this.listener.onLegLost(this);
  }

  private failWaiters(): void {
    for (const waiter of [...this.waiters]) waiter.reject(ProxyErrors.backendLost());
  }
}
