/**
 * One HTTP request/response pair, answered at most once the way `janus_http.c` answers: JSON with
 * status 200 for every Janus-level reply, empty bodies for HTTP-level errors, CORS headers on all
 * of them, and a dropped connection where Janus drops it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonFormat } from '../../protocol/messages.js';

export interface CorsOptions {
  /** `allow_origin`; unset means `*` without credentials. */
  allowOrigin: string | undefined;
}

/** Janus's serialisation: jansson's `JSON_INDENT(3)` for "indented"; one line otherwise. */
export function formatJson(value: unknown, format: JsonFormat): string {
  return format === 'indented' ? JSON.stringify(value, null, 3) : JSON.stringify(value);
}

/** An array of already serialised messages, laid out as `formatJson` would lay out the array. */
export function formatJsonArray(items: readonly string[], format: JsonFormat): string {
  if (format !== 'indented') return `[${items.join(',')}]`;
  // JSON strings never hold a raw newline, so indenting every line indents exactly the structure.
  return `[\n   ${items.map((item) => item.replace(/\n/g, '\n   ')).join(',\n   ')}\n]`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function corsHeaders(req: IncomingMessage, cors: CorsOptions): Record<string, string> {
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': cors.allowOrigin ?? '*' };
  if (cors.allowOrigin !== undefined) {
    headers['Access-Control-Allow-Credentials'] = 'true';
    headers.Vary = 'Origin';
  }
  headers['Access-Control-Max-Age'] = '86400';
  // Janus echoes the preflight's requests back as what it allows, on every response.
  const method = header(req, 'access-control-request-method');
  const requested = header(req, 'access-control-request-headers');
  if (method !== undefined) headers['Access-Control-Allow-Methods'] = method;
  if (requested !== undefined) headers['Access-Control-Allow-Headers'] = requested;
  return headers;
}

export class Exchange {
  private answered = false;

  constructor(
    readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly cors: CorsOptions,
  ) {}

  /** Still waiting for its answer, and the client still there to read it. */
  get pending(): boolean {
    return !this.answered && !this.res.destroyed;
  }

  /** Runs once the response is finished or the connection is gone, whichever comes first. */
  onClose(listener: () => void): void {
    this.res.once('close', listener);
  }

  /** A Janus-level reply: always HTTP 200. */
  json(body: string): void {
    if (!this.claim()) return;
    this.res.writeHead(200, Object.assign({ 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }, corsHeaders(this.req, this.cors)));
    this.res.end(body);
  }

  /** An HTTP-level answer (200 to OPTIONS, 302, 400, 403, 404): no body. */
  empty(status: number, extra: Record<string, string> = {}): void {
    if (!this.claim()) return;
    this.res.writeHead(status, Object.assign({ 'Content-Length': 0 }, extra, corsHeaders(this.req, this.cors)));
    this.res.end();
  }

  /** Close the connection without any response, as Janus does for an empty POST or an unreadable request. */
  drop(): void {
    if (!this.claim()) return;
    this.res.destroy();
  }

  private claim(): boolean {
    if (!this.pending) return false;
    this.answered = true;
    return true;
  }
}
