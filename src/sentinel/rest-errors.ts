/** Every error the sentinel's REST API answers with: a stable code, its HTTP status and reason. */
export const REST_ERRORS = {
  unauthorized: { status: 401, reason: 'missing bearer token' },
  forbidden: { status: 403, reason: 'wrong bearer token' },
  bad_request: { status: 400, reason: 'invalid request' },
  not_found: { status: 404, reason: 'no such endpoint' },
  not_supervised: { status: 409, reason: 'this sentinel does not run Janus (watch mode), so it cannot restart it' },
  shutting_down: { status: 503, reason: 'the sentinel is shutting down' },
  internal: { status: 500, reason: 'internal error' },
} as const;

export type RestErrorCode = keyof typeof REST_ERRORS;

export class RestError extends Error {
  override name = 'RestError';
  constructor(readonly code: RestErrorCode, reason?: string) {
    super(reason ?? REST_ERRORS[code].reason);
  }

  get status(): number {
    return REST_ERRORS[this.code].status;
  }

  /** The same body as the proxy's admin API: the HTTP status as `code`, and the reason. */
  toJSON(): { code: number; reason: string } {
    return { code: this.status, reason: this.message };
  }
}
