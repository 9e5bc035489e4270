/**
 * Where reports go. A proxy gets JSON over HTTP with its own bearer token; the Redis registry (or
 * any ServerStore) gets the report written straight into it. Both look the same to the reporter.
 */
import type { ServerReport } from '../protocol/server-record.js';
import type { ServerStore } from '../store/server-store.js';

export interface ReportSink {
  /** For logs and /info: the proxy URL or the store's name. Never contains a secret. */
  readonly label: string;
  /** Resolves once the report is accepted; rejects otherwise. */
  send(report: ServerReport): Promise<void>;
}

export class ReportRejected extends Error {
  override name = 'ReportRejected';
  constructor(readonly httpStatus: number, detail: string) {
    super(`HTTP ${httpStatus}${detail ? `: ${detail}` : ''}`);
  }
}

const CALLBACK_PATH = '/sentinel_callback';

/** `<proxy admin URL>/sentinel_callback`; a URL that already names the callback is kept. */
export function callbackUrl(proxyUrl: string): string {
  const trimmed = proxyUrl.replace(/\/+$/, '');
  return trimmed.endsWith(CALLBACK_PATH) ? trimmed : `${trimmed}${CALLBACK_PATH}`;
}

export class ProxySink implements ReportSink {
  readonly label: string;
  private readonly url: string;

  constructor(proxyUrl: string, private readonly token: string, private readonly timeoutMs: number) {
    this.url = callbackUrl(proxyUrl);
    this.label = this.url;
  }

  async send(report: ServerReport): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify(report),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    if (response.status !== 200) throw new ReportRejected(response.status, text.slice(0, 200));
  }
}

/** Only the write the sentinel needs, so any ServerStore (Redis, memory in tests) fits. */
export type ReportStore = Pick<ServerStore, 'upsert'>;

export class StoreSink implements ReportSink {
  constructor(readonly label: string, private readonly store: ReportStore) {}

  async send(report: ServerReport): Promise<void> {
    await this.store.upsert(report, 'sentinel', Date.now());
  }
}
