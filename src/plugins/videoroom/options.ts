/** The VideoRoom module's settings (config section `videoroom`) and what it needs from the rest of the proxy. */
import type { Logger } from 'pino';
import type { Backend } from '../../cluster/backend.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { MessageBus } from '../../store/bus.js';
import type { RoomStore } from '../../store/room-store.js';

export const VIDEOROOM_PLUGIN = 'janus.plugin.videoroom';

export interface VideoRoomOptions {
  publishersPerBackend: number;
  /** Secret of every backend room; clients never see it. */
  backendRoomSecret: string;
  /** Prefix of every backend room's description. */
  roomMarker: string;
  adminKey: string | undefined;
  lockRtpForward: boolean;
  /** Add `local_host` to `rtp_forward` replies (a key Janus does not send): only when configured. */
  rtpForwardLocalHost: boolean;
  stringIds: boolean;
  /** How long a backend room without participants of this proxy is kept. */
  idleBackendRoomMs: number;
}

export interface VideoRoomDeps {
  /** This proxy's id (member counts in the room store are per proxy). */
  proxyId: string;
  cluster: Cluster;
  store: RoomStore;
  /** Where the owners of shared rooms are asked to change them. */
  bus: MessageBus;
  options: VideoRoomOptions;
  logger: Logger;
  /** Told of every layout change: run `here` (this proxy owns the room) or asked of the room's `owner` elsewhere. */
  onLayout?: (op: string, ran: 'here' | 'owner') => void;
}

/** Where other Janus servers send this backend's cascade RTP: its record's `media_address`, else its URL's host. */
export function mediaAddress(backend: Backend): string {
  const configured = backend.record.media_address;
  if (configured !== undefined) return configured;
  const host = new URL(backend.url).hostname;
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
