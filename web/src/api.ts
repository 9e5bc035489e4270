/**
 * The admin API as the pages use it: the token (entered once, kept in localStorage), authenticated
 * JSON requests and the live channel. Pages are served by the admin API, so it is same-origin.
 */
import type { DashboardSnapshot } from '../../src/admin/dashboard-types.js';

const TOKEN_KEY = 'janus-cloud.admin-token';

export function storedToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }

  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** An admin API request with the bearer token; resolves with the JSON body, rejects with ApiError. */
export async function api<T>(path: string, token: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { method, headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, `admin API unreachable: ${err instanceof Error ? err.message : String(err)}`);
  }
  const body = (await response.json().catch(() => ({}))) as { reason?: unknown };
  if (!response.ok) throw new ApiError(response.status, typeof body.reason === 'string' ? body.reason : response.statusText);
  return body as T;
}

export type LiveState = 'connecting' | 'live' | 'reconnecting';

export interface LiveHandlers {
  onSnapshot(snapshot: DashboardSnapshot): void;
  onState(state: LiveState): void;
  /** The server refused the token. */
  onUnauthorized(): void;
}

const RETRY_MS = 2_000;

/**
 * Follows `GET /events` (SSE). EventSource retries network errors by itself; a refused request
 * closes it, so then we ask the API whether the token is the problem, and retry otherwise.
 * Returns a function that stops following.
 */
export function followEvents(token: string, handlers: LiveHandlers): () => void {
  let source: EventSource | undefined;
  let retry: number | undefined;
  let stopped = false;
  const open = (): void => {
    handlers.onState(source ? 'reconnecting' : 'connecting');
    source = new EventSource(`/events?token=${encodeURIComponent(token)}`);
    source.onopen = () => { handlers.onState('live'); };
    source.onmessage = (event: MessageEvent<string>) => { handlers.onSnapshot(JSON.parse(event.data) as DashboardSnapshot); };
    source.onerror = () => {
      if (stopped) return;
      handlers.onState('reconnecting');
      if (source?.readyState !== EventSource.CLOSED) return;
      const next = (err?: unknown): void => {
        if (stopped) return;
        if (err instanceof ApiError && err.unauthorized) handlers.onUnauthorized();
        else retry = window.setTimeout(open, RETRY_MS);
      };
      api('/ping', token).then(() => { next(); }, next);
    };
  };
  open();
  return () => {
    stopped = true;
    window.clearTimeout(retry);
    source?.close();
  };
}
