/**
 * A few backend sessions opened ahead of need on one backend. A client session's first handle on
 * that backend then adopts a spare and only waits for its `attach`, not for a `create` as well.
 * Client sessions give their backend sessions back when they end with no handle left (recycle), so
 * under session churn Janus sees neither a `destroy` nor a `create`; what recycling does not put
 * back is opened a moment after the spares ran short.
 */
import type { Logger } from 'pino';
import type { LazyLogger } from '../logging.js';
import { BackendSession, type BackendSessionOwner } from '../backend/backend-session.js';
import type { BackendPool } from '../backend/pool.js';

/** How long after a spare is taken the pool is topped up, giving ending client sessions time to return theirs. */
export const REFILL_DELAY_MS = 1_000;

export class SpareSessions implements BackendSessionOwner {
  private readonly spares: BackendSession[] = [];
  private refillTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: BackendPool,
    private readonly target: number,
    private readonly backendName: string,
    private readonly logger: Logger,
  ) {}

  get count(): number {
    return this.spares.length;
  }

  /** A ready-made session for `owner` if one is available, else a freshly opened one. */
  take(owner: BackendSessionOwner, ownerLogger: LazyLogger): BackendSession {
    let session = this.spares.shift();
    while (session && !session.alive) session = this.spares.shift();
    if (session) session.adopt(owner);
    else session = BackendSession.open(this.pool, owner, ownerLogger, { backend: this.backendName });
    this.refillTimer ??= setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, REFILL_DELAY_MS).unref();
    return session;
  }

  /**
   * Takes back a session its client no longer needs, if the spares are short and it holds no handle
   * (a handle left attached would be the previous client's); false when it must be destroyed instead.
   */
  recycle(session: BackendSession): boolean {
    if (this.spares.length >= this.target || !session.isEmpty || session.pool !== this.pool) return false;
    session.adopt(this);
    this.spares.push(session);
    return true;
  }

  /** Tops the spares up to the target; quietly does nothing while the backend is unreachable. */
  refill(): void {
    while (this.spares.length < this.target && this.pool.pick()) {
      this.spares.push(BackendSession.open(this.pool, this, this.logger));
    }
  }

  onBackendSessionLost(session: BackendSession): void {
    const index = this.spares.indexOf(session);
    if (index >= 0) this.spares.splice(index, 1);
  }

  clear(): void {
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    for (const session of this.spares.splice(0)) session.destroy();
  }
}
