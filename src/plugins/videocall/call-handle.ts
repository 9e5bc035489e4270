/**
 * What videocall and p2pcall handles share: the request dispatch with VideoCall's checks and error
 * events, registration and `list`, the checks before a call, the call's identity and phase, held
 * trickles, events delivered in order after the request's ack, and teardown. Subclasses decide how
 * a call travels: through one backend Janus (videocall) or straight between the browsers (p2pcall).
 *
 * Concurrency: the core serialises client requests on a handle, but peer messages and backend events
 * arrive at any time. Every decision that changes the phase is taken synchronously, and after each
 * await the handler checks that its call is still the current one (`isCurrent`).
 */
import { randomUUID } from 'node:crypto';
import { JanusError } from '../../protocol/errors.js';
import type { JsonObject, OutgoingMessage } from '../../protocol/messages.js';
import type { MessageReply, PluginContext, PluginHandle, TrickleRequest } from '../plugin.js';
import { CandidateBuffer } from './candidates.js';
import { CallError, CallErrors, closingPc } from './errors.js';
import type { PartyAddress, PeerEndpoint, PeerLink } from './peer-link.js';
import type { InviteRequest, PeerNotice, PeerReply, PeerRequest } from './peer-messages.js';
import { checkJsep, parseRequest, parseUsername, type CallRequest } from './requests.js';
import type { UserDirectory } from './user-directory.js';

export type CallPhase = 'idle' | 'outgoing' | 'incoming' | 'active';

export interface CallInfo {
  readonly id: string;
  /** The other party's username and where to reach it. */
  readonly peer: string;
  /** Mutable: a take-over moves the peer to another proxy under the same owner. */
  peerAddress: PartyAddress;
  /** Our SDP for this call has gone out: our trickles can follow it straight away. */
  sdpSent: boolean;
}

/** One per plugin per proxy: the plugin's name, its user registry and its link to other proxies. */
export interface CallHub {
  readonly plugin: string;
  readonly directory: UserDirectory;
  readonly link: PeerLink;
}

export interface CallTarget {
  readonly peer: string;
  readonly address: PartyAddress;
}

/** Plugin data label of both plugins: p2pcall answers as `videocall` so VideoCall clients work unchanged. */
const DATA_LABEL = 'videocall';
export const CLOSE_PC_REASON = 'Close PC';

export abstract class CallHandle<Call extends CallInfo> implements PluginHandle, PeerEndpoint {
  protected username: string | undefined;
  protected phase: CallPhase = 'idle';
  protected call: Call | undefined;
  protected readonly owner: string;
  protected readonly buffered = new CandidateBuffer();
  protected closed = false;
  private readonly detachLink: () => void;

  /** `owner`: kept from the handle's record when a session take-over restores it here. */
  constructor(protected readonly ctx: PluginContext, protected readonly hub: CallHub, owner?: string) {
    this.owner = owner ?? randomUUID();
    this.detachLink = hub.link.attach(this.owner, this);
  }

  /** The session moved to another proxy: stop here without a word to the peer or the registry. */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    this.detachLink();
    this.dropRuntime();
  }

  /** Timers and the like a subclass holds, dropped on `release`. */
  protected dropRuntime(): void {
    // nothing by default
  }

  /**
   * Takes the username again from this proxy after a take-over (the owner is the same, so the dead
   * proxy's entry yields to it); false when someone else holds it by now.
   */
  protected async reclaimUsername(username: string): Promise<boolean> {
    if (!(await this.hub.directory.claim(username, this.owner))) return false;
    this.username = username;
    return true;
  }

  async message(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<MessageReply> {
    // Janus's core checks the jsep before the plugin sees the message: these are core errors.
    const sdp = jsep === undefined ? undefined : checkJsep(jsep);
    try {
      await this.route(parseRequest(body), body, jsep, transaction);
    } catch (err) {
      if (err instanceof JanusError) throw err;
      this.fail(err, transaction, sdp?.type === 'offer');
    }
    return { janus: 'ack' };
  }

  async trickle(request: TrickleRequest): Promise<void> {
    if (this.call?.sdpSent) await this.sendTrickle(request);
    else this.buffered.add(request);
  }

  async detach(): Promise<void> {
    await this.shutdown();
  }

  destroy(): void {
    this.shutdown().catch((err: unknown) => {
      this.ctx.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'call handle teardown failed');
    });
  }

  async onPeerRequest(from: PartyAddress, request: PeerRequest): Promise<PeerReply> {
    if (this.closed || this.username === undefined) return { result: 'gone' };
    if (this.phase !== 'idle') return { result: 'busy' };
    if (request.type === 'probe') return { result: 'ok' };
    return this.incomingCall(from, request);
  }

  onPeerNotice(from: PartyAddress, notice: PeerNotice): void {
    const call = this.call;
    if (this.closed || !call || notice.call !== call.id || from.owner !== call.peerAddress.owner) return;
    if (from.proxy !== call.peerAddress.proxy) {
      // The peer's session was taken over by another proxy: reach it there from now on.
      call.peerAddress = from;
      this.saveState();
    }
    this.peerNotice(call, notice);
  }

  abstract hangup(): Promise<void>;

  /** The call's media path is set up here; the phase is already `outgoing`, reserved for it. */
  protected abstract startCall(target: CallTarget, jsep: JsonObject, transaction: string): Promise<void>;
  /** An invite from an idle state: ring (or prepare to) and answer. */
  protected abstract incomingCall(from: PartyAddress, invite: InviteRequest): Promise<PeerReply>;
  protected abstract peerNotice(call: Call, notice: PeerNotice): void;
  protected abstract accept(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<void>;
  protected abstract set(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<void>;
  protected abstract hangupCall(body: JsonObject, transaction: string): Promise<void>;
  protected abstract sendTrickle(request: TrickleRequest): Promise<void>;
  /** Detach or session end: end any call for the peer too and free what the call held. */
  protected abstract leave(): Promise<void>;

  /**
   * A `call` while in a call: true when the subclass handled it (videocall lets Janus answer, which
   * also closes the caller's PeerConnection and so ends the current call, as Janus 1.1 does).
   */
  protected callDuringCall(_body: JsonObject, _jsep: JsonObject | undefined, _transaction: string): Promise<boolean> {
    return Promise.resolve(false);
  }

  protected isCurrent(call: Call): boolean {
    return !this.closed && this.call === call;
  }

  protected beginCall(call: Call, phase: CallPhase): Call {
    this.call = call;
    this.phase = phase;
    this.saveState();
    return call;
  }

  protected endCall(): void {
    const hadCall = this.call !== undefined;
    this.phase = 'idle';
    this.call = undefined;
    this.buffered.clear();
    if (hadCall && !this.closed) this.saveState();
  }

  /** Records the handle's lifecycle state (username, call, phase) for a take-over; never per message. */
  protected saveState(): void {
    this.ctx.save(this.stateRecord());
  }

  /** What `saveState` writes; a subclass adds what it needs to carry a call on. */
  protected stateRecord(): JsonObject {
    const state: JsonObject = { owner: this.owner, phase: this.phase };
    if (this.username !== undefined) state.username = this.username;
    const call = this.call;
    if (call) state.call = { id: call.id, peer: call.peer, peerProxy: call.peerAddress.proxy, peerOwner: call.peerAddress.owner, sdpSent: call.sdpSent };
    return state;
  }

  /**
   * Tells the call's peer. When nothing listens at the peer's proxy any more (it died and the peer's
   * session was taken over), the peer is found again in the registry, under the same owner, and told there.
   */
  protected notifyPeer(call: Call, notice: PeerNotice): void {
    void this.hub.link.notify(call.peerAddress, this.owner, notice).then(async (delivered) => {
      if (delivered) return;
      const address = await this.hub.directory.lookup(call.peer).catch(() => undefined);
      if (!address || address.owner !== call.peerAddress.owner || address.proxy === call.peerAddress.proxy) return;
      call.peerAddress = address;
      if (this.isCurrent(call)) this.saveState();
      await this.hub.link.notify(address, this.owner, notice);
    });
  }

  protected emitResult(result: JsonObject, transaction?: string, jsep?: JsonObject): void {
    this.emitPluginData({ [DATA_LABEL]: 'event', result }, transaction, jsep);
  }

  protected emitError(err: CallError, transaction?: string): void {
    this.emitPluginData({ [DATA_LABEL]: 'event', error_code: err.code, error: err.message }, transaction);
  }

  /** Every event goes out after the ack of the request being processed, and in emission order. */
  protected emit(event: OutgoingMessage): void {
    setImmediate(() => {
      if (!this.closed) this.ctx.emit(event);
    });
  }

  /** VideoCall's answer to a call whose callee is busy; Janus closes the caller's PeerConnection too. */
  protected userBusy(transaction: string, hadOffer: boolean): void {
    this.emitResult({ event: 'hangup', username: this.username, reason: 'User busy' }, transaction);
    if (hadOffer) this.emit({ janus: 'hangup', reason: CLOSE_PC_REASON });
  }

  private route(request: CallRequest, body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<void> {
    switch (request) {
      case 'list':
        return this.list(transaction);
      case 'register':
        return this.register(body, transaction);
      case 'call':
        return this.placeCall(body, jsep, transaction);
      case 'accept':
        return this.accept(body, jsep, transaction);
      case 'set':
        return this.set(body, jsep, transaction);
      case 'hangup':
        return this.hangupCall(body, transaction);
    }
  }

  private fail(err: unknown, transaction: string, hadOffer: boolean): void {
    let error: CallError;
    if (err instanceof CallError) error = err;
    else {
      this.ctx.logger.error({ err }, 'call request failed unexpectedly');
      error = CallErrors.callFailed('Internal error');
    }
    this.emitError(error, transaction);
    if (error.closesPc && hadOffer) this.emit({ janus: 'hangup', reason: CLOSE_PC_REASON });
  }

  private async list(transaction: string): Promise<void> {
    const list = await this.hub.directory.list();
    this.emitResult({ list }, transaction);
  }

  private async register(body: JsonObject, transaction: string): Promise<void> {
    if (this.username !== undefined) throw CallErrors.alreadyRegistered(this.username);
    const username = parseUsername(body);
    if (!(await this.hub.directory.claim(username, this.owner))) throw CallErrors.usernameTaken(username);
    if (this.closed) {
      this.hub.directory.release(username, this.owner);
      return;
    }
    this.username = username;
    this.saveState();
    this.emitResult({ event: 'registered', username }, transaction);
  }

  /** VideoCall's checks, in its order; the phase is reserved first, as Janus sets `incall` first. */
  private async placeCall(body: JsonObject, jsep: JsonObject | undefined, transaction: string): Promise<void> {
    if (this.username === undefined) throw closingPc(CallErrors.registerFirst());
    if (this.phase !== 'idle') {
      if (await this.callDuringCall(body, jsep, transaction)) return;
      throw closingPc(CallErrors.alreadyInCall());
    }
    this.phase = 'outgoing';
    try {
      const target = await this.findPeer(body, this.username);
      if (jsep === undefined) {
        const reply = await this.hub.link.request(target.address, this.owner, { type: 'probe' });
        if (reply.result === 'busy') this.userBusy(transaction, false);
        else throw CallErrors.missingSdp();
        return;
      }
      await this.startCall(target, jsep, transaction);
    } finally {
      this.unreserve();
    }
  }

  /** Drops the reservation of a call that never started. */
  private unreserve(): void {
    if (this.phase === 'outgoing' && this.call === undefined) this.phase = 'idle';
  }

  private async findPeer(body: JsonObject, self: string): Promise<CallTarget> {
    let peer: string;
    try {
      peer = parseUsername(body);
    } catch (err) {
      throw err instanceof CallError ? closingPc(err) : err;
    }
    if (peer === self) throw closingPc(CallErrors.useEchoTest());
    const address = await this.hub.directory.lookup(peer);
    if (!address) throw closingPc(CallErrors.noSuchUsername(peer));
    return { peer, address };
  }

  private async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.detachLink();
    if (this.username !== undefined) this.hub.directory.release(this.username, this.owner);
    await this.leave();
  }

  private emitPluginData(data: JsonObject, transaction: string | undefined, jsep?: JsonObject): void {
    const event: OutgoingMessage = { janus: 'event' };
    if (transaction !== undefined) event.transaction = transaction;
    event.plugindata = { plugin: this.hub.plugin, data };
    if (jsep !== undefined) event.jsep = jsep;
    this.emit(event);
  }
}
