/**
 * A shared store (Redis) that failed or could not be reached. The core answers a request that
 * needed it with Janus error 490 and this reason, instead of a generic internal error.
 */
export class StoreUnavailableError extends Error {
  override readonly name: string = 'StoreUnavailableError';
}

export const STORE_UNAVAILABLE_REASON = 'Session store unavailable, try again';
