/** A backend Janus as the proxy sees it: its connection pool and the load the proxy puts on it. */
import type { BackendPool } from '../backend/pool.js';
import type { BackendSnapshot } from './selection.js';

export class Backend {
  /** Live handles placed by this proxy; incremented when a placement is reserved. */
  liveHandles = 0;

  constructor(
    readonly name: string,
    readonly pool: BackendPool,
  ) {}

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
