/**
 * The error catalogue of the call plugins (videocall and p2pcall): Janus 1.1 VideoCall's codes and
 * texts (janus_videocall.c), which clients show and compare. A CallError becomes the plugin event
 * `{"videocall":"event","error_code":N,"error":"…"}`, never a core error.
 */

export const CallErrorCode = {
  UNKNOWN: 499,
  NO_MESSAGE: 470,
  INVALID_JSON: 471,
  INVALID_REQUEST: 472,
  REGISTER_FIRST: 473,
  INVALID_ELEMENT: 474,
  MISSING_ELEMENT: 475,
  USERNAME_TAKEN: 476,
  ALREADY_REGISTERED: 477,
  NO_SUCH_USERNAME: 478,
  USE_ECHO_TEST: 479,
  ALREADY_IN_CALL: 480,
  NO_CALL: 481,
  MISSING_SDP: 482,
  INVALID_SDP: 483,
} as const;

export class CallError extends Error {
  override readonly name = 'CallError';
  /** Janus also closes the caller's PeerConnection for this failure (a core `hangup` follows). */
  closesPc = false;

  constructor(readonly code: number, reason: string) {
    super(reason);
  }
}

const C = CallErrorCode;

export const CallErrors = {
  unknownRequest: (request: string) => new CallError(C.INVALID_REQUEST, `Unknown request (${request})`),
  registerFirst: () => new CallError(C.REGISTER_FIRST, 'Register a username first'),
  missingElement: (field: string) => new CallError(C.MISSING_ELEMENT, `Missing mandatory element (${field})`),
  invalidType: (field: string, type: string) => new CallError(C.INVALID_ELEMENT, `Invalid element type (${field} should be ${type})`),
  invalidValue: (text: string) => new CallError(C.INVALID_ELEMENT, `Invalid value (${text})`),
  usernameTaken: (username: string) => new CallError(C.USERNAME_TAKEN, `Username '${username}' already taken`),
  alreadyRegistered: (username: string) => new CallError(C.ALREADY_REGISTERED, `Already registered (${username})`),
  noSuchUsername: (username: string) => new CallError(C.NO_SUCH_USERNAME, `Username '${username}' doesn't exist`),
  useEchoTest: () => new CallError(C.USE_ECHO_TEST, "You can't call yourself... use the EchoTest for that"),
  alreadyInCall: () => new CallError(C.ALREADY_IN_CALL, 'Already in a call'),
  noIncomingCall: () => new CallError(C.NO_CALL, 'No incoming call to accept'),
  missingSdp: () => new CallError(C.MISSING_SDP, 'Missing SDP'),
  /** Proxy conditions with no VideoCall equivalent (no media server for the call, callee's proxy silent). */
  callFailed: (why: string) => new CallError(C.UNKNOWN, why),
} as const;

/** Marks a `call` failure after which Janus closes the caller's PeerConnection. */
export function closingPc(err: CallError): CallError {
  err.closesPc = true;
  return err;
}
