/**
 * Graceful stop (SIGTERM, `POST /drain`): the proxy stops being ready and refuses new sessions at
 * once, and after `shutdown.grace_s` asks its WebSocket clients to go, so that they reconnect to
 * another proxy and claim their sessions there. Nothing is destroyed: with a shared store the
 * sessions wait to be claimed (or are handed over when the proxy then stops).
 */
import type { Logger } from 'pino';

export interface DrainTargets {
  /** Stop accepting new sessions (`create` answers 472, `info` says so). */
  refuseNewSessions(): void;
  /** Close the clients' sockets (1001 Going Away). */
  closeClients(): void;
}

export class ProxyDrain {
  private started: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly targets: DrainTargets,
    private readonly graceMs: number,
    private readonly logger: Logger,
  ) {}

  get draining(): boolean {
    return this.started !== undefined;
  }

  get graceS(): number {
    return this.graceMs / 1000;
  }

  /** Starts draining (once); resolves when the clients have been asked to go. */
  start(): Promise<void> {
    this.started ??= new Promise((resolve) => {
      this.logger.info({ grace_s: this.graceS }, 'draining: no new sessions, clients closed after the grace period');
      this.targets.refuseNewSessions();
      this.timer = setTimeout(() => {
        this.targets.closeClients();
        resolve();
      }, this.graceMs);
    });
    return this.started;
  }

  /** Stopping anyway: no late socket closing after the proxy is gone. */
  cancel(): void {
    clearTimeout(this.timer);
  }
}
