/**
 * A multistream VideoRoom subscriber: one handle and one PeerConnection for every feed it receives.
 * Changes (join with the first feeds, subscribe/unsubscribe later) run one at a time, each
 * finished once Janus's offer is answered with `start`, so renegotiations never overlap.
 */
import type { DemoPage } from './demo-page';
import { answer, attach, pluginError, request, type Connection } from './janus-client';
import type { Jsep, PluginHandle, PluginMessage } from './janus-types';

export const VIDEOROOM = 'janus.plugin.videoroom';

export class Subscriber {
  private handle: PluginHandle | undefined;
  private readonly feeds = new Set<number>();
  private queue: Promise<void> = Promise.resolve();
  private negotiated: ((err?: Error) => void) | undefined;

  constructor(
    private readonly page: DemoPage,
    private readonly conn: Connection,
    private readonly room: number,
  ) {}

  add(feeds: readonly number[]): void {
    this.enqueue(async () => {
      const fresh = feeds.filter((f) => !this.feeds.has(f));
      if (fresh.length === 0) return;
      const streams = fresh.map((feed) => ({ feed }));
      for (const f of fresh) this.feeds.add(f);
      if (this.handle === undefined) {
        this.handle = await attach(this.page, this.conn, 'subscriber', VIDEOROOM, {
          onmessage: (msg, jsep) => { this.onMessage(msg, jsep); },
          onremotetrack: (track, mid, on) => { this.page.showTrack(`remote-${mid}`, `feed stream ${mid}`, track, on); },
        });
        await this.negotiate(this.handle, { request: 'join', ptype: 'subscriber', room: this.room, streams });
      } else {
        await this.negotiate(this.handle, { request: 'subscribe', streams });
      }
      this.showFeeds();
    });
  }

  remove(feed: number): void {
    this.enqueue(async () => {
      if (!this.feeds.delete(feed) || this.handle === undefined) return;
      this.showFeeds();
      // Any new offer this causes (`updated`) is answered by onMessage like every other.
      await request(this.handle, { request: 'unsubscribe', streams: [{ feed }] });
    });
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err: unknown) => { this.page.fail('subscriber', err); });
  }

  /** Sends `message` and resolves once the offer it causes has been answered and started. */
  private negotiate(handle: PluginHandle, message: PluginMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.negotiated = (err) => {
        this.negotiated = undefined;
        if (err) reject(err);
        else resolve();
      };
      request(handle, message).catch((err: unknown) => { this.negotiated?.(err instanceof Error ? err : new Error(String(err))); });
    });
  }

  private onMessage(msg: PluginMessage, jsep: Jsep | undefined): void {
    const handle = this.handle;
    const err = pluginError(msg);
    if (err) {
      this.negotiated?.(err);
      return;
    }
    if (!jsep || !handle) return;
    answer(handle, jsep, [{ type: 'data' }]) // receive only: janus.js accepts the offered media as recvonly
      .then((mine) => request(handle, { request: 'start' }, mine))
      .then(() => { this.negotiated?.(); })
      .catch((err: unknown) => { this.negotiated?.(err instanceof Error ? err : new Error(String(err))); });
  }

  private showFeeds(): void {
    this.page.update((s) => { s.info['subscribed feeds'] = [...this.feeds].join(', ') || 'none'; });
  }
}
