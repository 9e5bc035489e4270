/**
 * Follows one channel on a (possibly shared) subscriber and keeps a local copy in step with Redis:
 * SUBSCRIBE first, then read the whole state (`load`), so no change falls between the two; and the
 * same again after every reconnection, since ioredis does not re-subscribe by itself and the
 * announcements sent while the subscription was gone are lost.
 *
 *   await followChannel(subscriber, channel, { what: 'room routes', logger, closed, load });
 *
 * One sync runs at a time. A reconnection ('ready') while one runs, even in the middle of its load,
 * makes it run once more when it ends: that sync's SUBSCRIBE may have gone to the connection that
 * just died, and its load may predate changes announced while no subscription was live.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { subscribeOrReconnect } from './connection.js';

export interface ChannelFollower {
  /** For log lines: "could not follow <what>". */
  what: string;
  logger: Logger;
  /** True once the follower is closed: nothing runs any more. */
  closed: () => boolean;
  /** Reads the whole state from Redis into the local copy; runs after each SUBSCRIBE took. */
  load: () => Promise<void>;
}

/**
 * Resolves once the channel is followed and the first load is done (reconnections during it
 * included); rejects when that first SUBSCRIBE or load fails. Later syncs only log their failures: a
 * failed SUBSCRIBE drops the connection (its next 'ready' syncs again), a failed load waits for the
 * next reconnection.
 */
export function followChannel(subscriber: Redis, channel: string, follower: ChannelFollower): Promise<void> {
  return new Follow(subscriber, channel, follower).start();
}

class Follow {
  private running = false;
  /** A reconnection came while a sync ran: run it once more. */
  private rerun = false;
  /** A subscriber not connected yet sends the first SUBSCRIBE on its first 'ready': that one needs no re-run. */
  private skipReady: boolean;

  constructor(private readonly subscriber: Redis, private readonly channel: string, private readonly follower: ChannelFollower) {
    this.skipReady = subscriber.status !== 'ready';
  }

  start(): Promise<void> {
    this.subscriber.on('ready', () => { this.onReady(); });
    return this.sync(true);
  }

  private onReady(): void {
    if (this.skipReady) {
      this.skipReady = false;
      return;
    }
    if (this.follower.closed()) return;
    if (this.running) this.rerun = true;
    else void this.sync(false);
  }

  private async sync(first: boolean): Promise<void> {
    this.running = true;
    try {
      let initial = first;
      do {
        this.rerun = false;
        try {
          await this.syncOnce(initial);
        } catch (err) {
          if (initial) throw err;
          this.follower.logger.warn({ err: err instanceof Error ? err.message : String(err) }, `could not reload ${this.follower.what} after a reconnection`);
        }
        initial = false;
      } while (this.rerunRequested());
    } finally {
      this.running = false;
    }
  }

  private rerunRequested(): boolean {
    return this.rerun && !this.follower.closed();
  }

  /** SUBSCRIBE, then load. The first SUBSCRIBE's failure fails the opening; a later one reconnects. */
  private async syncOnce(first: boolean): Promise<void> {
    if (first) await this.subscriber.subscribe(this.channel);
    else if (!(await subscribeOrReconnect(this.subscriber, this.channel, this.follower))) return;
    if (!this.follower.closed()) await this.follower.load();
  }
}
