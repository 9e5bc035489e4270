// A small client for the proxy's admin REST API in tests.
export type AdminReply = { status: number; body: unknown };

export class AdminClient {
  constructor(readonly baseUrl: string, private readonly token: string | undefined) {}

  async request(method: string, path: string, body?: unknown, opts: { token?: string | null; contentType?: string } = {}): Promise<AdminReply> {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? this.token : opts.token;
    if (token !== null && token !== undefined) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: keep the text.
    }
    return { status: response.status, body: parsed };
  }

  async ok<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const reply = await this.request(method, path, body);
    if (reply.status !== 200) throw new Error(`${method} ${path} → ${String(reply.status)} ${JSON.stringify(reply.body)}`);
    return reply.body as T;
  }
}
