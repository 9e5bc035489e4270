/**
 * A VideoCall handle's one backend leg. A new call reuses it when the call is on the same backend,
 * and replaces it (detaching the old one) when not; after a call it is kept a while for Janus's late
 * events and a call back, then released so idle users do not hold Janus handles.
 */
import type { Placement } from '../../cluster/cluster.js';
import type { PluginContext } from '../plugin.js';
import { BackendLeg, VIDEOCALL_PLUGIN, type LegListener } from './backend-leg.js';
import { makeAlias } from '../../protocol/videocall-alias.js';
import { CallErrors } from './errors.js';
import type { AliasNames } from './leg-events.js';

/** How long a leg is kept after its call. */
const IDLE_LEG_MS = 20_000;

export class LegSlot {
  private leg: BackendLeg | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: PluginContext,
    private readonly listener: LegListener,
    private readonly names: AliasNames,
    /** The handle is gone: a leg opened meanwhile must go too. */
    private readonly closed: () => boolean,
  ) {}

  get current(): BackendLeg | undefined {
    return this.leg;
  }

  is(leg: BackendLeg): boolean {
    return leg === this.leg;
  }

  /** The current leg if it is alive on `backend`. */
  reusableOn(backend: string): BackendLeg | undefined {
    return this.leg?.alive && this.leg.backendName === backend ? this.leg : undefined;
  }

  /** The leg on `backend` for `username`: the current one if it is there, else a new one. */
  async on(backend: string, username: string): Promise<BackendLeg> {
    const reuse = this.reusableOn(backend);
    if (reuse) return reuse;
    const placement = this.ctx.placeOn(backend, VIDEOCALL_PLUGIN);
    if (!placement) throw CallErrors.callFailed(`media server ${backend} unavailable`);
    return this.open(placement, this.newAlias(username));
  }

  /** An alias for a new leg, remembered so the user's events can be shown with the real name. */
  newAlias(username: string): string {
    const alias = makeAlias(username);
    this.names.remember(alias, username);
    return alias;
  }

  /** Opens a leg on `placement`, replacing the current one. */
  async open(placement: Placement, alias: string): Promise<BackendLeg> {
    this.keep();
    const old = this.take();
    if (old) void old.close();
    const leg = await BackendLeg.open(this.ctx, placement, alias, this.listener);
    if (this.closed()) {
      await leg.close();
      throw CallErrors.callFailed('Handle detached');
    }
    this.leg = leg;
    return leg;
  }

  /** Puts a leg carried over by a session take-over in the (empty) slot. */
  adopt(leg: BackendLeg): void {
    this.leg = leg;
  }

  /** A call starts (or may): the leg must stay. */
  keep(): void {
    clearTimeout(this.idleTimer);
  }

  /** The call is over: release the leg unless a new call takes it before IDLE_LEG_MS. */
  releaseLater(idle: () => boolean): void {
    clearTimeout(this.idleTimer);
    if (!this.leg) return;
    this.idleTimer = setTimeout(() => {
      if (idle()) void this.take()?.close();
    }, IDLE_LEG_MS);
    this.idleTimer.unref();
  }

  /** Removes the leg from the slot (it is lost, or the caller closes it). */
  take(): BackendLeg | undefined {
    const leg = this.leg;
    this.leg = undefined;
    return leg;
  }
}
