/**
 * The one catalogue of Janus API error codes (Janus 1.1.2 `apierror.h`) plus the proxy's own
 * conditions, each mapped to the Janus code a client would see from Janus in the same situation.
 */
export const JanusErrorCode = {
  UNAUTHORIZED: 403,
  UNAUTHORIZED_PLUGIN: 405,
  TRANSPORT_SPECIFIC: 450,
  MISSING_REQUEST: 452,
  UNKNOWN_REQUEST: 453,
  INVALID_JSON: 454,
  INVALID_JSON_OBJECT: 455,
  MISSING_MANDATORY_ELEMENT: 456,
  INVALID_REQUEST_PATH: 457,
  SESSION_NOT_FOUND: 458,
  HANDLE_NOT_FOUND: 459,
  PLUGIN_NOT_FOUND: 460,
  PLUGIN_ATTACH: 461,
  PLUGIN_MESSAGE: 462,
  PLUGIN_DETACH: 463,
  JSEP_UNKNOWN_TYPE: 464,
  JSEP_INVALID_SDP: 465,
  TRICKLE_INVALID_STREAM: 466,
  INVALID_ELEMENT_TYPE: 467,
  SESSION_CONFLICT: 468,
  UNEXPECTED_ANSWER: 469,
  TOKEN_NOT_FOUND: 470,
  WEBRTC_STATE: 471,
  NOT_ACCEPTING_SESSIONS: 472,
  UNKNOWN: 490,
} as const;

export type JanusErrorCodeName = keyof typeof JanusErrorCode;
export type JanusErrorCodeValue = (typeof JanusErrorCode)[JanusErrorCodeName];

/** Janus's default reason text per code, used when no specific reason is given. */
export const DEFAULT_REASONS: Readonly<Record<number, string>> = {
  403: 'Unauthorized request (wrong or missing secret/token)',
  405: 'Unauthorized access to plugin (token is not allowed to)',
  450: 'Transport specific error',
  452: 'Missing request',
  453: 'Unknown request',
  454: 'Invalid JSON',
  455: 'Invalid JSON Object',
  456: 'Missing mandatory element',
  457: 'Invalid path for this request',
  458: 'Session not found',
  459: 'Handle not found',
  460: 'Plugin not found',
  461: 'Error attaching plugin',
  462: 'Error sending message to plugin',
  463: 'Error detaching from plugin',
  464: 'Unsupported JSEP type',
  465: 'Invalid SDP',
  466: 'Invalid stream',
  467: 'Invalid element type',
  468: 'Session ID already in use',
  469: 'Unexpected ANSWER (no OFFER)',
  470: 'Token not found',
  471: 'Wrong WebRTC state',
  472: 'Currently not accepting new sessions',
  490: 'Unknown error',
};

/**
 * An error that becomes a Janus `error` reply. `code` is a Janus code — either one of ours or the
 * numeric code a backend Janus answered with, kept as is.
 */
export class JanusError extends Error {
  readonly code: number;
  constructor(code: number, reason?: string) {
    super(reason ?? DEFAULT_REASONS[code] ?? 'Unknown error');
    this.name = 'JanusError';
    this.code = code;
  }
  get reason(): string {
    return this.message;
  }
}

/** Marks errors that mean the backend, not the request, failed: another backend may succeed. */
class BackendFailure extends JanusError {}

/** Proxy conditions with no Janus equivalent of their own, expressed with the code Janus uses for the closest case. */
export const ProxyErrors = {
  noBackendAvailable: (plugin: string) =>
    new JanusError(JanusErrorCode.PLUGIN_ATTACH, `Couldn't attach to plugin: no backend available for '${plugin}'`),
  backendTimeout: () => new BackendFailure(JanusErrorCode.UNKNOWN, 'Backend request timed out'),
  backendLost: () => new BackendFailure(JanusErrorCode.UNKNOWN, 'Backend connection lost'),
  shuttingDown: () => new JanusError(JanusErrorCode.UNKNOWN, 'Shutting down'),
} as const;

export function isBackendFailure(err: unknown): boolean {
  return err instanceof BackendFailure;
}

/** Turns anything thrown into a JanusError without exposing internals (no stack, no paths). */
export function toJanusError(err: unknown): JanusError {
  if (err instanceof JanusError) return err;
  return new JanusError(JanusErrorCode.UNKNOWN, 'Internal proxy error');
}
