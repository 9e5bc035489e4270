/**
 * The cluster-aware VideoRoom (`janus.plugin.videoroom`): one room spread over several Janus
 * servers, used through the unmodified Janus 1.1 multistream API. See docs/architecture.md,
 * decision 5, and the README's VideoRoom section.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ProxyPlugin } from '../plugin.js';
import type { Cluster } from '../../cluster/cluster.js';
import type { MessageBus } from '../../store/bus.js';
import type { RoomStore } from '../../store/room-store.js';
import { VideoRoomHandle } from './handle.js';
import { RoomRegistry } from './rooms.js';
import { recheckBackend } from './backend-rooms.js';
import { runLayoutCommand } from './layout-commands.js';
import { VIDEOROOM_PLUGIN, type VideoRoomDeps, type VideoRoomOptions } from './options.js';

export { VIDEOROOM_PLUGIN } from './options.js';

/** The `videoroom` section of the proxy config. */
export interface VideoRoomConfig {
  publishers_per_backend: number;
  backend_room_secret?: string | undefined;
  room_marker: string;
  admin_key?: string | undefined;
  lock_rtp_forward: boolean;
  rtp_forward_local_host: boolean;
  string_ids: boolean;
  idle_backend_room_s: number;
}

export interface VideoRoomModule {
  readonly plugin: ProxyPlugin;
  readonly rooms: RoomRegistry;
  close(): Promise<void>;
}

export function videoRoomOptions(config: VideoRoomConfig, logger: Logger): VideoRoomOptions {
  let secret = config.backend_room_secret;
  if (secret === undefined) {
    secret = randomBytes(18).toString('base64url');
    logger.warn('videoroom.backend_room_secret is not set: generated one for this run (sentinel sweepers cannot clean up after this proxy)');
  }
  return {
    publishersPerBackend: config.publishers_per_backend,
    backendRoomSecret: secret,
    roomMarker: config.room_marker,
    adminKey: config.admin_key,
    lockRtpForward: config.lock_rtp_forward,
    rtpForwardLocalHost: config.rtp_forward_local_host,
    stringIds: config.string_ids,
    idleBackendRoomMs: config.idle_backend_room_s * 1000,
  };
}

export function createVideoRoom(deps: Omit<VideoRoomDeps, 'logger'> & { logger: Logger }): VideoRoomModule {
  const logger = deps.logger.child({ plugin: VIDEOROOM_PLUGIN });
  const rooms: RoomRegistry = new RoomRegistry({ ...deps, logger }, (room, command) => runLayoutCommand(rooms, room, command));
  rooms.control.onLost = (backend) => {
    recheckBackend(rooms, backend).catch((err: unknown) => {
      logger.warn({ backend, err: (err as Error).message }, 'could not recheck a backend');
    });
  };
  return {
    plugin: {
      name: VIDEOROOM_PLUGIN,
      createHandle: (ctx) => Promise.resolve(new VideoRoomHandle(ctx, rooms)),
      restore: (ctx, input) => VideoRoomHandle.restore(ctx, rooms, input),
    },
    rooms,
    close: () => {
      rooms.close();
      return Promise.resolve();
    },
  };
}

/**
 * The module as the proxy runs it, on the room store the proxy opened (memory, or Redis: shared,
 * kept over restarts) and the bus to the other proxies (where the owners of shared rooms listen).
 */
export function startVideoRoom(
  config: VideoRoomConfig, stores: { rooms: RoomStore; bus: MessageBus }, proxyId: string, cluster: Cluster, logger: Logger,
  onLayout?: VideoRoomDeps['onLayout'],
): VideoRoomModule {
  return createVideoRoom({
    proxyId, cluster, store: stores.rooms, bus: stores.bus, options: videoRoomOptions(config, logger), logger, ...(onLayout ? { onLayout } : {}),
  });
}
