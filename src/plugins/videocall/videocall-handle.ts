/**
 * A VideoCall handle: both users of a call get a VideoCall handle ("leg") on the one backend the
 * selection pipeline picks when the call is placed; the callee's leg moves there (from wherever it
 * was) when it is invited. From then on Janus runs the call: `call`, `accept`, `set` and `hangup`
 * go to the leg and its events come back to the client, with aliases turned back into usernames.
 * A leg outlives its call for a while (Janus's late core events still arrive; a call back on the
 * same backend reuses it), until it idles out, the next call needs another backend, or the handle goes. Whatever Janus would answer without a call is answered here.
 */
import type { BackendHandle } from '../../backend/backend-handle.js';
import { randomUUID } from 'node:crypto';
import { isBackendFailure } from '../../protocol/errors.js';
import type { JsonObject, OutgoingMessage } from '../../protocol/messages.js';
import type { Placement } from '../../cluster/cluster.js';
import { locationOf, type HandleLocation, type PluginContext, type RestoreInput, type TrickleRequest } from '../plugin.js';
import { parseCallState, parseSavedLeg, type SavedCall, type SavedCallState, type SavedLeg } from './call-state.js';
import { BACKEND_LOST_REASON } from '../relay.js';
import { BackendLeg, VIDEOCALL_PLUGIN, type LegListener } from './backend-leg.js';
import { CallHandle, CLOSE_PC_REASON, type CallHub, type CallInfo, type CallTarget } from './call-handle.js';
import { END_OF_CANDIDATES, isEndOfCandidates } from './candidates.js';
import { CallError, CallErrors, closingPc } from './errors.js';
import { AliasNames, classify } from './leg-events.js';
import { LegSlot } from './leg-slot.js';
import type { PartyAddress } from './peer-link.js';
import type { InviteRequest, PeerNotice, PeerReply } from './peer-messages.js';
import { parseSettings, type CallSettings } from './requests.js';

/** How long a callee waits, ready on the call's backend, for the caller's call to arrive there. */
const RING_SETUP_TIMEOUT_MS = 15_000;

interface VideoCall extends CallInfo {
  readonly backend: string;
  /** The peer's alias on the backend (the caller's is in the invite; the callee's in its answer). */
  peerAlias: string | undefined;
  /** Janus has the call: the caller's `call` went out, or the callee's `incomingcall` came in. */
  live: boolean;
  /** The client transaction of the caller's `call`, to notice the backend turning it down. */
  readonly requestTransaction: string | undefined;
}

export class VideoCallHandle extends CallHandle<VideoCall> implements LegListener {
  private readonly names = new AliasNames();
  private readonly legs = new LegSlot(this.ctx, this, this.names, () => this.closed);
  /** `set` values given outside a call, applied to the next call's leg (Janus resets them per call). */
  private settings: CallSettings = {};
  private ringTimer: NodeJS.Timeout | undefined;

  /**
   * The same user on the proxy that took its session over: same owner, username claimed again from
   * here, and its backend leg (claimed with the session) adopted, so a call Janus has goes on. A call
   * Janus did not have yet (still being set up) ends for this client, as when a leg is lost.
   */
  static async restore(ctx: PluginContext, hub: CallHub, input: RestoreInput): Promise<VideoCallHandle> {
    const saved = parseCallState(input.state);
    const handle = new VideoCallHandle(ctx, hub, saved?.owner);
    if (saved?.username !== undefined && !(await handle.reclaimUsername(saved.username))) {
      ctx.logger.warn({ username: saved.username }, 'restored videocall handle lost its username to another user');
    }
    const leg = handle.adoptLeg(parseSavedLeg(input.state), input);
    if (saved?.call && !(leg?.live === true && handle.resumeCall(saved, saved.call, leg))) {
      handle.emitResult({ event: 'hangup', username: saved.call.peer, reason: BACKEND_LOST_REASON });
      handle.emit({ janus: 'hangup', reason: CLOSE_PC_REASON });
      handle.saveState();
    }
    if (handle.phase === 'idle') handle.legs.releaseLater(() => handle.phase === 'idle');
    return handle;
  }

  /** Takes the saved leg on if its backend handle was claimed with the session. */
  private adoptLeg(saved: SavedLeg | undefined, input: RestoreInput): SavedLeg | undefined {
    if (!saved || !input.backendHandle || input.backend !== saved.backend) return undefined;
    const placement = this.ctx.placeOn(saved.backend, VIDEOCALL_PLUGIN);
    if (!placement) return undefined;
    this.legs.adopt(BackendLeg.adopt(input.backendHandle, placement, saved.alias, this));
    if (this.username !== undefined) this.names.remember(saved.alias, this.username);
    return saved;
  }

  /** The call Janus runs on the adopted leg carries on here; false when the record cannot say which. */
  private resumeCall(saved: SavedCallState, call: SavedCall, leg: SavedLeg): boolean {
    if (saved.phase === 'idle' || this.username === undefined) return false;
    if (leg.peerAlias !== undefined) this.names.remember(leg.peerAlias, call.peer);
    this.call = { ...call, backend: leg.backend, peerAlias: leg.peerAlias, live: true, requestTransaction: undefined };
    this.phase = saved.phase;
    return true;
  }

  location(): HandleLocation | undefined {
    const leg = this.legs.current;
    return leg ? locationOf(leg.backendName, leg.backendHandle) : undefined;
  }

  protected override stateRecord(): JsonObject {
    const state = super.stateRecord();
    const leg = this.legs.current;
    if (leg) {
      const saved: JsonObject = { alias: leg.alias, backend: leg.backendName, live: this.call?.live ?? false };
      if (this.call?.peerAlias !== undefined) saved.peerAlias = this.call.peerAlias;
      state.leg = saved;
    }
    return state;
  }

  protected override dropRuntime(): void {
    clearTimeout(this.ringTimer);
    this.legs.take()?.drop();
  }

  /** For the admin API: the backend of the current (or last) call's leg. */
  backendName(): string | undefined {
    return this.legs.current?.backendName;
  }

  backendHandle(): BackendHandle | undefined {
    return this.legs.current?.backendHandle;
  }

  async hangup(): Promise<void> {
    const leg = this.legs.current;
    if (!leg) return;
    try {
      await leg.hangup();
    } catch (err) {
      if (!isBackendFailure(err)) throw err;
    }
    // Janus's VideoCall ends the call when our PeerConnection goes (if there was one): so do we.
    const call = this.call;
    if (call && (call.live || call.sdpSent)) this.endCall();
  }

  onLegEvent(leg: BackendLeg, msg: JsonObject): void {
    if (!this.legs.is(leg) || this.closed) return;
    const event = classify(msg);
    if (event.kind === 'incomingcall' && !this.ring(leg, event.rawUsername)) return;
    this.names.rewrite(msg);
    const call = this.call;
    if (event.kind === 'accepted' && call) {
      this.phase = 'active';
      this.saveState();
    }
    // A plugin hangup ends the call; so does losing our PeerConnection in an established call (Janus's hangup_media).
    if (event.kind === 'hangup' || (msg.janus === 'hangup' && this.phase === 'active')) this.endCall();
    if (event.isError && call && !call.live && msg.transaction === call.requestTransaction) this.abandon(call);
    this.emit(msg as OutgoingMessage);
  }

  onLegLost(leg: BackendLeg): void {
    if (!this.legs.is(leg)) return;
    this.legs.take();
    const call = this.call;
    if (!call || this.closed) return;
    if (call.live || call.sdpSent) this.emit({ janus: 'hangup', reason: BACKEND_LOST_REASON });
    this.emitResult({ event: 'hangup', username: call.peer, reason: BACKEND_LOST_REASON });
    this.endCall();
  }

  protected async startCall(target: CallTarget, jsep: JsonObject, transaction: string): Promise<void> {
    const placement = this.ctx.place(VIDEOCALL_PLUGIN);
    if (!placement) throw closingPc(CallErrors.callFailed('No media server available for the call'));
    const call = this.beginCall({
      id: randomUUID(), peer: target.peer, peerAddress: target.address, sdpSent: false,
      backend: placement.backend.name, peerAlias: undefined, live: false, requestTransaction: transaction,
    }, 'outgoing');
    try {
      const leg = await this.connect(call, target, placement, transaction);
      if (!leg || !this.isCurrent(call)) return;
      await this.replaySettings(leg);
      await leg.forward({ request: 'call', username: call.peerAlias }, jsep, transaction);
      call.live = true;
      call.sdpSent = true;
      this.saveState();
      await this.flushTrickles(leg);
    } catch (err) {
      if (this.isCurrent(call) && !call.live) this.abandon(call);
      throw callFailure(err);
    }
  }

  protected override async callDuringCall(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<boolean> {
    const leg = this.legs.current;
    if (!leg || !this.call?.live) return false;
    await forwardOn(leg, body, jsep, transaction);
    return true;
  }

  protected async incomingCall(from: PartyAddress, invite: InviteRequest): Promise<PeerReply> {
    const { backend, alias } = invite;
    if (backend === undefined || alias === undefined) return { result: 'failed', reason: 'not a videocall invite' };
    const call = this.beginCall({
      id: invite.call, peer: invite.from, peerAddress: from, sdpSent: false,
      backend, peerAlias: alias, live: false, requestTransaction: undefined,
    }, 'incoming');
    this.names.remember(alias, invite.from);
    let leg: BackendLeg;
    try {
      leg = await this.legs.on(backend, this.username ?? '');
    } catch (err) {
      this.ctx.logger.warn({ err: err instanceof Error ? err.message : String(err), backend }, 'callee could not join the call backend');
      if (this.isCurrent(call)) this.endCall();
      return { result: 'failed', reason: "the callee could not join the call's media server" };
    }
    if (!this.isCurrent(call)) return { result: 'gone' };
    clearTimeout(this.ringTimer);
    this.ringTimer = setTimeout(() => {
      if (this.isCurrent(call) && !call.live) this.endCall();
    }, RING_SETUP_TIMEOUT_MS);
    this.ringTimer.unref();
    return { result: 'ok', alias: leg.alias };
  }

  protected peerNotice(call: VideoCall, notice: PeerNotice): void {
    // Only the caller's cancel matters here: everything else about the call comes from Janus.
    if (notice.type === 'cancel' && this.phase === 'incoming' && !call.live) this.endCall();
  }

  protected async accept(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<void> {
    const call = this.call;
    const leg = this.legs.current;
    if (!call || this.phase !== 'incoming' || !call.live || !leg) throw CallErrors.noIncomingCall();
    await forwardOn(leg, body, jsep, transaction);
    if (jsep === undefined || !this.isCurrent(call)) return;
    call.sdpSent = true;
    await this.flushTrickles(leg);
  }

  protected async set(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<void> {
    const settings = parseSettings(body);
    const leg = this.legs.current;
    if (leg && this.call) {
      await forwardOn(leg, body, jsep, transaction);
      return;
    }
    const { audio, video, bitrate } = settings;
    this.settings = { ...this.settings, ...definedOnly({ audio, video, bitrate }) };
    this.emitResult({ event: 'set' }, transaction);
  }

  protected async hangupCall(body: JsonObject, transaction: string): Promise<void> {
    const call = this.call;
    const leg = this.legs.current;
    if (call?.live && leg) {
      await forwardOn(leg, body, undefined, transaction);
      return;
    }
    // A call Janus does not have yet (a callee still waiting for it): its late arrival is turned down in ring().
    if (call) this.endCall();
    this.emitResult({ event: 'hangup', username: this.username, reason: 'Explicit hangup' }, transaction);
  }

  protected async sendTrickle(request: TrickleRequest): Promise<void> {
    const leg = this.legs.current;
    if (leg) await leg.trickle(request);
    else this.buffered.add(request);
  }

  protected async leave(): Promise<void> {
    clearTimeout(this.ringTimer);
    this.legs.keep();
    const call = this.call;
    if (call && this.phase === 'outgoing' && !call.live) this.abandon(call);
    const leg = this.legs.take();
    // Detaching the leg makes Janus end a live call for the peer ("Remote WebRTC hangup").
    await leg?.close();
  }

  protected override beginCall(call: VideoCall, phase: 'outgoing' | 'incoming'): VideoCall {
    this.legs.keep();
    return super.beginCall(call, phase);
  }

  protected override endCall(): void {
    clearTimeout(this.ringTimer);
    this.settings = {};
    super.endCall();
    this.legs.releaseLater(() => this.phase === 'idle');
  }

  /** The caller placed a call on `placement`: its leg there and the callee's, at the same time. */
  private async connect(call: VideoCall, target: CallTarget, placement: Placement, transaction: string): Promise<BackendLeg | undefined> {
    const username = this.username ?? '';
    const reuse = this.legs.reusableOn(placement.backend.name);
    if (reuse) placement.release();
    const alias = reuse?.alias ?? this.legs.newAlias(username);
    const invite = { type: 'invite', call: call.id, from: username, backend: placement.backend.name, alias } as const;
    const [opened, reply] = await Promise.all([
      (reuse ? Promise.resolve(reuse) : this.legs.open(placement, alias)).then((leg) => ({ leg }), (err: unknown) => ({ err })),
      this.hub.link.request(target.address, this.owner, invite),
    ]);
    if (!this.isCurrent(call)) return undefined;
    if (reply.result === 'busy') {
      this.endCall();
      this.userBusy(transaction, true);
      return undefined;
    }
    if (reply.result === 'gone') throw closingPc(CallErrors.noSuchUsername(target.peer));
    if (reply.result === 'failed') throw closingPc(CallErrors.callFailed(`Call failed: ${reply.reason}`));
    if ('err' in opened) throw opened.err;
    call.peerAlias = reply.alias;
    if (reply.alias !== undefined) this.names.remember(reply.alias, target.peer);
    return opened.leg;
  }

  /** Janus offers the callee the call: ring only for the call prepared, turn anything else down. */
  private ring(leg: BackendLeg, caller: string | undefined): boolean {
    const call = this.call;
    if (call && this.phase === 'incoming' && !call.live && caller === call.peerAlias) {
      call.live = true;
      clearTimeout(this.ringTimer);
      this.saveState();
      return true;
    }
    leg.ask({ request: 'hangup', reason: 'User busy' }).catch(() => undefined);
    return false;
  }

  /** Ends a call Janus never got: the callee, if it was told, stops waiting for it. */
  private abandon(call: VideoCall): void {
    this.notifyPeer(call, { type: 'cancel', call: call.id });
    this.endCall();
  }

  private async replaySettings(leg: BackendLeg): Promise<void> {
    if (Object.keys(this.settings).length === 0) return;
    await leg.ask({ request: 'set', ...this.settings });
  }

  private async flushTrickles(leg: BackendLeg): Promise<void> {
    const held = this.buffered.take();
    const candidates = held.filter((c) => !isEndOfCandidates(c));
    try {
      if (candidates.length > 0) await leg.trickle({ candidates });
      if (candidates.length < held.length) await leg.trickle({ candidate: END_OF_CANDIDATES });
    } catch (err) {
      this.ctx.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not deliver held candidates');
    }
  }
}

/** A client request sent to the leg; a dead backend is the plugin's 499, not a core error. */
async function forwardOn(leg: BackendLeg, body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<void> {
  try {
    await leg.forward(body, jsep, transaction);
  } catch (err) {
    throw isBackendFailure(err) ? CallErrors.callFailed('Media server unavailable') : err;
  }
}

/** Setup failures end the call attempt; Janus's own core errors (e.g. a bad SDP) stay core errors. */
function callFailure(err: unknown): unknown {
  if (err instanceof CallError) return err.closesPc ? err : closingPc(err);
  if (isBackendFailure(err)) return closingPc(CallErrors.callFailed('Media server unavailable'));
  return err;
}

function definedOnly(values: CallSettings): CallSettings {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}
