/**
 * A few backend sessions opened ahead of need on one backend. A client session's first handle on
 * that backend then adopts a spare and only waits for its `attach`, not for a `create` as well.
 */
import type { Logger } from 'pino';
import type { LazyLogger } from '../logging.js';
import { BackendSession, type BackendSessionOwner } from '../backend/backend-session.js';
import type { BackendPool } from '../backend/pool.js';

export class SpareSessions implements BackendSessionOwner {
  private readonly spares: BackendSession[] = [];

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
    // Later, so the caller's own request (its attach) reaches Janus before the replacement's create.
    setImmediate(() => {
      this.refill();
    });
    return session;
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
    for (const session of this.spares.splice(0)) session.destroy();
  }
}
