/** VideoRoom error codes (Janus 1.1.2 `janus_videoroom.c`) and the plugin-level error the proxy answers with. */
import type { JsonObject } from '../../protocol/messages.js';
import { JanusError } from '../../protocol/errors.js';

export const VideoRoomCode = {
  UNKNOWN_ERROR: 499,
  NO_MESSAGE: 421,
  INVALID_JSON: 422,
  INVALID_REQUEST: 423,
  JOIN_FIRST: 424,
  ALREADY_JOINED: 425,
  NO_SUCH_ROOM: 426,
  ROOM_EXISTS: 427,
  NO_SUCH_FEED: 428,
  MISSING_ELEMENT: 429,
  INVALID_ELEMENT: 430,
  INVALID_SDP_TYPE: 431,
  PUBLISHERS_FULL: 432,
  UNAUTHORIZED: 433,
  ALREADY_PUBLISHED: 434,
  NOT_PUBLISHED: 435,
  ID_EXISTS: 436,
  INVALID_SDP: 437,
} as const;

/** A VideoRoom error: Janus sends these inside the plugin data, `{"videoroom":"event","error_code":N,"error":"…"}`. */
export class VideoRoomError extends Error {
  constructor(
    readonly code: number,
    text: string,
  ) {
    super(text);
    this.name = 'VideoRoomError';
  }

  get data(): JsonObject {
    return errorData(this.code, this.message);
  }
}

/** A write of the room's owner was refused: another proxy owns the room now (the change goes to it). */
export class NotRoomOwnerError extends Error {
  constructor(room: unknown) {
    super(`room ${String(room)}: owned by another proxy now`);
    this.name = 'NotRoomOwnerError';
  }
}

export function errorData(code: number, text: string): JsonObject {
  return { videoroom: 'event', error_code: code, error: text };
}

export function noSuchRoom(room: unknown): VideoRoomError {
  return new VideoRoomError(VideoRoomCode.NO_SUCH_ROOM, `No such room (${String(room)})`);
}

/**
 * Anything thrown while serving a request, as the VideoRoom error the client gets. Backend failures
 * (connection lost, timeout) become 499 with the proxy's reason; nothing internal leaks.
 */
export function asVideoRoomError(err: unknown): VideoRoomError {
  if (err instanceof VideoRoomError) return err;
  if (err instanceof JanusError) return new VideoRoomError(VideoRoomCode.UNKNOWN_ERROR, err.reason);
  return new VideoRoomError(VideoRoomCode.UNKNOWN_ERROR, 'Internal proxy error');
}
