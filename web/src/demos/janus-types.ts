/**
 * The part of the official janus.js (npm janus-gateway, loaded as a classic script from /vendor/)
 * that the demo pages use, typed without `any`. The package's own janus.d.ts is full of `any`.
 */
export type Jsep = RTCSessionDescriptionInit;
export type PluginMessage = Record<string, unknown>;

export interface TrackOption {
  type: 'audio' | 'video' | 'data';
  capture?: boolean | MediaTrackConstraints;
  recv?: boolean;
}

type ErrorCallback = (error: unknown) => void;

export interface PluginHandle {
  getId(): number;
  getPlugin(): string;
  send(params: { message: PluginMessage; jsep?: Jsep; success?: (data?: PluginMessage) => void; error?: ErrorCallback }): void;
  createOffer(params: { tracks: TrackOption[]; success: (jsep: Jsep) => void; error: ErrorCallback }): void;
  createAnswer(params: { jsep: Jsep; tracks: TrackOption[]; success: (jsep: Jsep) => void; error: ErrorCallback }): void;
  handleRemoteJsep(params: { jsep: Jsep; success?: () => void; error?: ErrorCallback }): void;
  hangup(sendRequest?: boolean): void;
  detach(params?: { success?: () => void; error?: ErrorCallback }): void;
}

export interface AttachOptions {
  plugin: string;
  opaqueId: string;
  success(handle: PluginHandle): void;
  error: ErrorCallback;
  webrtcState?(up: boolean, reason?: string): void;
  iceState?(state: string): void;
  mediaState?(kind: string, receiving: boolean, mid?: string): void;
  onmessage?(message: PluginMessage, jsep?: Jsep): void;
  onlocaltrack?(track: MediaStreamTrack, on: boolean): void;
  onremotetrack?(track: MediaStreamTrack, mid: string, on: boolean): void;
  oncleanup?(): void;
  ondetached?(): void;
}

export interface JanusSession {
  getSessionId(): number;
  attach(options: AttachOptions): void;
  destroy(options?: { success?: () => void; error?: ErrorCallback }): void;
}

export interface JanusStatic {
  init(options: { debug: boolean | string[]; callback: () => void }): void;
  isWebrtcSupported(): boolean;
  randomString(length: number): string;
  new (options: {
    server: string;
    iceServers: RTCIceServer[];
    success: () => void;
    error: ErrorCallback;
    destroyed?: () => void;
  }): JanusSession;
}
