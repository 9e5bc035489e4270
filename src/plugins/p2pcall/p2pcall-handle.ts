/**
 * A p2pcall handle: the VideoCall API with no media server. The proxy carries the offer, the answer,
 * renegotiations and every trickle candidate between the two clients (over the bus when they are on
 * different proxies); the browsers connect to each other. The events are VideoCall's, so a VideoCall
 * client works unchanged. Where a media server would close PeerConnections (hangup, the peer leaving),
 * the proxy sends the core `hangup` event the client expects from Janus.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../../protocol/messages.js';
import type { PluginContext, RestoreInput, TrickleRequest } from '../plugin.js';
import type { CallHub } from '../videocall/call-handle.js';
import { parseCallState } from '../videocall/call-state.js';
import { CallHandle, CLOSE_PC_REASON, type CallInfo, type CallPhase, type CallTarget } from '../videocall/call-handle.js';
import { candidatesOf, END_OF_CANDIDATES, isEndOfCandidates } from '../videocall/candidates.js';
import { CallErrors, closingPc } from '../videocall/errors.js';
import type { PartyAddress } from '../videocall/peer-link.js';
import type { InviteRequest, PeerJsep, PeerNotice, PeerReply } from '../videocall/peer-messages.js';
import { hangupReason, parseSettings } from '../videocall/requests.js';

/** What Janus VideoCall tells a peer whose other side's PeerConnection went away. */
const REMOTE_HANGUP_REASON = 'Remote WebRTC hangup';
/** Core `hangup` reason Janus gives for a client's own `hangup` request. */
const CLIENT_HANGUP_REASON = 'Janus API';
/**
 * How often the far party of a call is looked up while it is on another proxy. That proxy may die
 * without a word; its users leave the registry within its lease TTL, and this notices it one
 * interval later. (A VideoCall's peer needs no watch: Janus hangs the call up when the dead proxy's
 * backend session goes.)
 */
export const PEER_WATCH_INTERVAL_MS = 2_000;

export class P2pCallHandle extends CallHandle<CallInfo> {
  private peerWatch: NodeJS.Timeout | undefined;

  /**
   * The same handle on the proxy that took its session over: same owner (so the peer's notices and
   * the registry still match it), username claimed again from here, and a call in progress resumed
   * (the browsers' media never went through the proxy; the peer finds us again by its watch).
   */
  static async restore(ctx: PluginContext, hub: CallHub, input: RestoreInput): Promise<P2pCallHandle> {
    const saved = parseCallState(input.state);
    const handle = new P2pCallHandle(ctx, hub, saved?.owner);
    if (!saved?.username) return handle;
    if (!(await handle.reclaimUsername(saved.username))) {
      ctx.logger.warn({ username: saved.username }, 'restored p2pcall handle lost its username to another user');
      return handle;
    }
    if (saved.call && saved.phase !== 'idle') {
      const call = handle.beginCall({ ...saved.call }, saved.phase);
      // Our peer may be watching for us: tell it where we are now.
      handle.notifyPeer(call, { type: 'cancel', call: call.id });
    }
    return handle;
  }

  /** Core `hangup`: the client closed its PeerConnection, so the call is over for both sides. */
  hangup(): Promise<void> {
    const call = this.call;
    if (call) {
      this.notifyPeer(call, { type: 'hangup', call: call.id, reason: REMOTE_HANGUP_REASON });
      this.endCall();
      this.emit({ janus: 'hangup', reason: CLIENT_HANGUP_REASON });
    }
    return Promise.resolve();
  }

  /**
   * A `call` while in a call: Janus VideoCall answers 480 and closes the caller's PeerConnection,
   * which ends the current call for both sides; so does this (minus the media server).
   */
  protected override callDuringCall(_body: JsonObject, _jsep: JsonObject | undefined, transaction: string): Promise<boolean> {
    const call = this.call;
    if (!call) return Promise.resolve(false);
    this.emitError(CallErrors.alreadyInCall(), transaction);
    this.notifyPeer(call, { type: 'hangup', call: call.id, reason: REMOTE_HANGUP_REASON });
    this.endCall();
    this.emitResult({ event: 'hangup', username: call.peer, reason: REMOTE_HANGUP_REASON });
    this.emit({ janus: 'hangup', reason: CLOSE_PC_REASON });
    return Promise.resolve(true);
  }

  protected async startCall(target: CallTarget, jsep: JsonObject, transaction: string): Promise<void> {
    const call = this.beginCall({ id: randomUUID(), peer: target.peer, peerAddress: target.address, sdpSent: false }, 'outgoing');
    const reply = await this.hub.link.request(target.address, this.owner, {
      type: 'invite', call: call.id, from: this.username ?? '', jsep: relayedJsep(jsep),
    });
    if (!this.isCurrent(call)) {
      // We left while the invite travelled: the callee, if it rings, must stop.
      if (reply.result === 'ok') this.notifyPeer(call, { type: 'hangup', call: call.id, reason: REMOTE_HANGUP_REASON });
      return;
    }
    if (reply.result !== 'ok') {
      this.endCall();
      if (reply.result === 'busy') this.userBusy(transaction, true);
      else if (reply.result === 'gone') throw closingPc(CallErrors.noSuchUsername(target.peer));
      else throw closingPc(CallErrors.callFailed(`Call failed: ${reply.reason}`));
      return;
    }
    this.emitResult({ event: 'calling' }, transaction);
    // The callee has our offer: candidates held so far, and from now on every new one, follow it.
    call.sdpSent = true;
    this.flushTrickles(call);
  }

  protected incomingCall(from: PartyAddress, invite: InviteRequest): Promise<PeerReply> {
    if (invite.jsep === undefined) return Promise.resolve({ result: 'failed', reason: 'not a p2pcall invite' });
    this.beginCall({ id: invite.call, peer: invite.from, peerAddress: from, sdpSent: false }, 'incoming');
    this.emitResult({ event: 'incomingcall', username: invite.from }, undefined, invite.jsep);
    return Promise.resolve({ result: 'ok' });
  }

  protected peerNotice(call: CallInfo, notice: PeerNotice): void {
    switch (notice.type) {
      case 'accepted':
        if (this.phase !== 'outgoing') return;
        this.phase = 'active';
        this.saveState();
        this.emitResult({ event: 'accepted', username: call.peer }, undefined, notice.jsep);
        return;
      case 'update':
        this.emitResult({ event: 'update', ...notice.settings }, undefined, notice.jsep);
        return;
      case 'trickle':
        for (const candidate of notice.candidates) this.emit({ janus: 'trickle', candidate: isEndOfCandidates(candidate) ? END_OF_CANDIDATES : candidate });
        return;
      case 'hangup':
        this.endCall();
        this.emitResult({ event: 'hangup', username: call.peer, reason: notice.reason });
        this.emit({ janus: 'hangup', reason: CLOSE_PC_REASON });
        return;
      case 'cancel':
        return;
    }
  }

  protected accept(_body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<void> {
    const call = this.call;
    if (!call || this.phase !== 'incoming') throw CallErrors.noIncomingCall();
    if (jsep === undefined) throw CallErrors.missingSdp();
    this.notifyPeer(call, { type: 'accepted', call: call.id, jsep: relayedJsep(jsep) });
    this.phase = 'active';
    this.saveState();
    this.emitResult({ event: 'accepted' }, transaction);
    call.sdpSent = true;
    this.flushTrickles(call);
    return Promise.resolve();
  }

  /** Nothing to configure without a media server: the values (and any renegotiation) go to the peer as `update`. */
  protected set(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<void> {
    const settings = parseSettings(body);
    const call = this.call;
    if (call && (this.phase === 'active' || call.sdpSent)) {
      const notice: PeerNotice = { type: 'update', call: call.id, settings: { ...settings } };
      if (jsep !== undefined) notice.jsep = relayedJsep(jsep);
      this.notifyPeer(call, notice);
    }
    this.emitResult({ event: 'set' }, transaction);
    return Promise.resolve();
  }

  protected hangupCall(body: JsonObject, transaction: string): Promise<void> {
    const call = this.call;
    if (call) {
      this.notifyPeer(call, { type: 'hangup', call: call.id, reason: hangupReason(body) });
      this.endCall();
    }
    this.emitResult({ event: 'hangup', username: this.username, reason: 'Explicit hangup' }, transaction);
    if (call) this.emit({ janus: 'hangup', reason: CLOSE_PC_REASON });
    return Promise.resolve();
  }

  protected sendTrickle(request: TrickleRequest): Promise<void> {
    const call = this.call;
    if (call) this.notifyPeer(call, { type: 'trickle', call: call.id, candidates: candidatesOf(request) });
    return Promise.resolve();
  }

  protected leave(): Promise<void> {
    const call = this.call;
    if (call) this.notifyPeer(call, { type: 'hangup', call: call.id, reason: REMOTE_HANGUP_REASON });
    this.endCall();
    return Promise.resolve();
  }

  protected override beginCall(call: CallInfo, phase: CallPhase): CallInfo {
    super.beginCall(call, phase);
    clearInterval(this.peerWatch);
    if (call.peerAddress.proxy !== this.hub.link.proxyId) {
      this.peerWatch = setInterval(() => void this.checkPeer(call), PEER_WATCH_INTERVAL_MS);
      this.peerWatch.unref();
    }
    return call;
  }

  protected override endCall(): void {
    this.dropRuntime();
    super.endCall();
  }

  protected override dropRuntime(): void {
    clearInterval(this.peerWatch);
    this.peerWatch = undefined;
  }

  /** Ends the call as if the peer hung up when the peer no longer holds its username (its proxy died). */
  private async checkPeer(call: CallInfo): Promise<void> {
    let address: PartyAddress | undefined;
    try {
      address = await this.hub.directory.lookup(call.peer);
    } catch {
      return; // the registry is unreachable: no verdict on the peer
    }
    if (!this.isCurrent(call) || (address?.proxy === call.peerAddress.proxy && address.owner === call.peerAddress.owner)) return;
    if (address?.owner === call.peerAddress.owner) {
      // Same handle, another proxy: its session was taken over; the call goes on through there.
      this.ctx.logger.info({ peer: call.peer, peerProxy: address.proxy }, 'call peer moved to another proxy');
      call.peerAddress = address;
      this.saveState();
      return;
    }
    this.ctx.logger.info({ peer: call.peer, peerProxy: call.peerAddress.proxy }, 'call peer vanished from the registry, ending the call');
    this.peerNotice(call, { type: 'hangup', call: call.id, reason: REMOTE_HANGUP_REASON });
  }

  private flushTrickles(call: CallInfo): void {
    const candidates = this.buffered.take();
    if (candidates.length > 0) this.notifyPeer(call, { type: 'trickle', call: call.id, candidates });
  }
}

/** The jsep as Janus would pass it on: type and SDP, plus the e2ee flag (the rest is for Janus's core). */
function relayedJsep(jsep: JsonObject): PeerJsep {
  const out: PeerJsep = { type: jsep.type === 'answer' ? 'answer' : 'offer', sdp: typeof jsep.sdp === 'string' ? jsep.sdp : '' };
  if (jsep.e2ee === true) out.e2ee = true;
  return out;
}
