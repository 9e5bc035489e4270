// An operator's webhook for the event stream tests: a real HTTP server that records the groups of
// events the proxy posts, and can refuse the first posts (503) to exercise retries.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StreamEvent = {
  type: number; emitter?: string; timestamp?: number; session_id?: number; handle_id?: number; opaque_id?: string;
  backend?: string; backend_handle_id?: number; proxy?: string; event?: Record<string, unknown>;
};

/** An operator's webhook: records every event it accepts; refuses the first `refuse` posts with 503. */
export class WebhookReceiver {
  readonly events: StreamEvent[] = [];
  posts = 0;
  private readonly server: Server;
  private waiters: (() => void)[] = [];

  constructor(private refuse: number) {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      req.on('end', () => {
        this.posts++;
        if (this.refuse > 0) {
          this.refuse--;
          res.writeHead(503).end();
          return;
        }
        this.events.push(...(JSON.parse(body) as StreamEvent[]));
        res.writeHead(200).end();
        for (const wake of this.waiters) wake();
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => { this.server.listen(0, '127.0.0.1', resolve); });
    return `http://127.0.0.1:${String((this.server.address() as AddressInfo).port)}/hook`;
  }

  /** Resolves with the first event matching `pred` (already received or still to come). */
  async waitFor(pred: (e: StreamEvent) => boolean, timeoutMs = 15_000): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(this.events.map((e) => [e.type, e.event?.name ?? e.event?.connection]))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
      this.waiters = [];
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => { this.server.close(() => { resolve(); }); });
  }
}
