/**
 * Liveness of the local Janus: one WebSocket on the Janus API and a `ping` every interval. A pong
 * slower than the overload threshold means `slow`; no pong within the timeout, a failed connect or
 * a closed socket means `dead` at once (a killed Janus closes the socket, so that is immediate; a
 * hung one is caught by the timeout: at most interval + timeout after its last pong, plus up to one
 * 100 ms sweep of the pending-request table).
 */
import type { Logger } from 'pino';
import { JanusWs } from '../backend/janus-ws.js';
import { parseJanusInfo, type JanusInfo } from './janus-info.js';
import { Signal } from '../signal.js';
import type { LivenessState } from './status.js';

export interface LivenessOptions {
  wsUrl: string;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** 0 disables the slow state. */
  overloadRttMs: number;
  logger: Logger;
}

export class LivenessMonitor {
  readonly changed: Signal<LivenessState>;
  /** Janus's `info`, fetched on every new connection (it changes only when Janus restarts). */
  readonly infoReceived: Signal<JanusInfo>;
  private currentState: LivenessState = 'unknown';
  private rttMs: number | undefined;
  private ws: JanusWs | undefined;
  private connecting = false;
  private pinging = false;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: LivenessOptions) {
    const report = (err: unknown): void => { options.logger.error({ err }, 'liveness listener failed'); };
    this.changed = new Signal(report);
    this.infoReceived = new Signal(report);
  }

  get state(): LivenessState {
    return this.currentState;
  }

  get lastRttMs(): number | undefined {
    return this.rttMs;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => { this.tick(); }, this.options.pingIntervalMs);
    this.tick();
  }

  stop(): void {
    this.running = false;
    clearInterval(this.timer);
    this.ws?.close();
    this.ws = undefined;
  }

  /** Checks again now (e.g. right after the supervisor restarted Janus) instead of at the next tick. */
  poke(): void {
    if (this.running) this.tick();
  }

  private tick(): void {
    if (this.ws?.isOpen) void this.ping(this.ws);
    else if (!this.connecting) void this.connect();
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    try {
      const ws = await JanusWs.connect(this.options.wsUrl, 'janus-protocol', this.options.pingTimeoutMs);
      if (!this.running) {
        ws.close();
        return;
      }
      this.ws = ws;
      ws.onClosed(() => {
        if (this.ws === ws) this.ws = undefined;
        if (this.running) this.setState('dead', 'socket closed');
      });
      const info = parseJanusInfo(await ws.request({ janus: 'info' }, this.options.pingTimeoutMs));
      if (this.ws !== ws) return;
      this.infoReceived.emit(info);
      await this.ping(ws);
    } catch (err) {
      if (this.running) this.setState('dead', err instanceof Error ? err.message : String(err));
    } finally {
      this.connecting = false;
    }
  }

  private async ping(ws: JanusWs): Promise<void> {
    if (this.pinging) return;
    this.pinging = true;
    const sentAt = performance.now();
    try {
      await ws.request({ janus: 'ping' }, this.options.pingTimeoutMs);
      if (this.ws !== ws || !this.running) return;
      this.rttMs = Math.round(performance.now() - sentAt);
      const slow = this.options.overloadRttMs > 0 && this.rttMs > this.options.overloadRttMs;
      this.setState(slow ? 'slow' : 'alive', `ping ${this.rttMs} ms`);
    } catch (err) {
      if (this.ws !== ws || !this.running) return;
      this.setState('dead', err instanceof Error ? err.message : String(err));
      ws.close(); // a hung Janus: drop the socket and reconnect from scratch
    } finally {
      this.pinging = false;
    }
  }

  private setState(state: LivenessState, why: string): void {
    if (state === this.currentState) return;
    this.options.logger.info({ liveness: state, previous: this.currentState, why }, 'Janus liveness changed');
    this.currentState = state;
    this.changed.emit(state);
  }
}
