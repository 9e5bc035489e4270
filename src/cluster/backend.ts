/** A backend Janus as the proxy sees it: its connection pool and the load the proxy puts on it. */
import type { Logger } from 'pino';
import type { BackendPool } from '../backend/pool.js';
import type { BackendSession, BackendSessionOwner } from '../backend/backend-session.js';
import type { BackendSnapshot } from './selection.js';
import { SpareSessions } from './spare-sessions.js';

export class Backend {
  /** Live handles placed by this proxy; incremented when a placement is reserved. */
  liveHandles = 0;
  private readonly spares: SpareSessions;

  constructor(
    readonly name: string,
    readonly pool: BackendPool,
    spareSessions: number,
    logger: Logger,
  ) {
    this.spares = new SpareSessions(pool, spareSessions, name, logger);
    pool.listener = {
      onAvailabilityChange: (up) => {
        if (up) this.spares.refill();
      },
    };
  }

  /** A backend session for a client session: a spare if one is ready, else a new one. */
  openSession(owner: BackendSessionOwner, ownerLogger: Logger): BackendSession {
    return this.spares.take(owner, ownerLogger);
  }

  stop(): void {
    this.spares.clear();
    this.pool.stop();
  }

  get url(): string {
    return this.pool.url;
  }

  get connected(): boolean {
    return this.pool.isUp && this.pool.info !== undefined;
  }

  snapshot(): BackendSnapshot {
    return {
      name: this.name,
      connected: this.connected,
      plugins: new Set(Object.keys(this.pool.info?.plugins ?? {})),
      liveHandles: this.liveHandles,
    };
  }

  /** Counts one handle against this backend until the returned release function is called. */
  reserve(): () => void {
    this.liveHandles++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.liveHandles--;
    };
  }
}
