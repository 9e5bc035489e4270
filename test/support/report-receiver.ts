// A stand-in for a proxy's sentinel intake: POST /sentinel_callback with a bearer token. It
// records every accepted report in order, answers like the proxy (200 / 400 / 401 / 403), can be
// told to fail for a while, and lets a test wait for a report (or a sequence of statuses) with a deadline.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serverReportSchema, type ServerReport } from '../../src/protocol/server-record.js';

export type ReceivedReport = { report: ServerReport; atMs: number };

export class ReportReceiver {
  readonly reports: ReceivedReport[] = [];
  /** Requests refused for a missing (401) or wrong (403) token. */
  readonly refused: { status: number; atMs: number }[] = [];
  /** While set, every request gets this HTTP status (to test retries). */
  failWith: number | undefined;
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly server: Server, readonly url: string, private readonly token: string) {}

  static async start(token: string): Promise<ReportReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new ReportReceiver(server, `http://127.0.0.1:${String(port)}`, token);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => { void receiver.handle(req, res); });
    return receiver;
  }

  /** Index for `since`, taken before the action whose reports a test will wait for. */
  mark(): number {
    return this.reports.length;
  }

  statuses(since = 0): string[] {
    return this.reports.slice(since).map((r) => r.report.status);
  }

  /** First report at index >= since matching pred; rejects after timeoutMs. */
  waitFor(pred: (r: ServerReport) => boolean, timeoutMs: number, since = 0): Promise<ReceivedReport> {
    return new Promise((resolve, reject) => {
      let next = since;
      const check = (): boolean => {
        for (; next < this.reports.length; next++) {
          const entry = this.reports[next]!;
          if (pred(entry.report)) {
            finish();
            resolve(entry);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching report within ${String(timeoutMs)} ms; got ${JSON.stringify(this.statuses(since))}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = (): void => { check(); };
      if (!check()) this.waiters.add(waiter);
    });
  }

  /** Waits for reports with these statuses in this order (others may come between); returns their indexes. */
  async waitForSequence(statuses: readonly string[], timeoutMs: number, since = 0): Promise<ReceivedReport[]> {
    const deadline = Date.now() + timeoutMs;
    const found: ReceivedReport[] = [];
    let from = since;
    for (const status of statuses) {
      const entry = await this.waitFor((r) => r.status === status, Math.max(1, deadline - Date.now()), from);
      found.push(entry);
      from = this.reports.indexOf(entry) + 1;
    }
    return found;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => { this.server.close(() => { resolve(); }); });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { status, body } = this.answer(req, Buffer.concat(chunks).toString('utf8'));
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private answer(req: IncomingMessage, text: string): { status: number; body: unknown } {
    if (req.method !== 'POST' || req.url !== '/sentinel_callback') return { status: 404, body: { code: 404, reason: 'No route' } };
    const auth = req.headers.authorization;
    if (auth === undefined || auth !== `Bearer ${this.token}`) {
      const status = auth === undefined ? 401 : 403;
      this.refused.push({ status, atMs: Date.now() });
      return { status, body: { code: status, reason: status === 401 ? 'Missing token' : 'Invalid token' } };
    }
    if (this.failWith !== undefined) return { status: this.failWith, body: { code: this.failWith, reason: 'told to fail' } };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { status: 400, body: { code: 400, reason: 'not JSON' } };
    }
    const result = serverReportSchema.safeParse(parsed);
    if (!result.success) return { status: 400, body: { code: 400, reason: result.error.message } };
    this.reports.push({ report: result.data, atMs: Date.now() });
    for (const waiter of [...this.waiters]) waiter();
    return { status: 200, body: result.data };
  }
}
