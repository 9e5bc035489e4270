/**
 * The local Janus's Admin API over one lazily (re)opened WebSocket (`janus-admin-protocol`), with
 * the admin_secret added to every request. Only what the sentinel needs: sessions, handles (and
 * their info), accept_new_sessions (the version and plugins come from the Janus API `info`, see liveness.ts).
 */
import type { Logger } from 'pino';
import { isJsonObject, type JsonObject } from '../protocol/messages.js';
import { JanusWs } from '../backend/janus-ws.js';

export interface AdminClientOptions {
  url: string;
  adminSecret: string | undefined;
  requestTimeoutMs: number;
  logger: Logger;
}

function ids(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
}

export class AdminClient {
  private socket: Promise<JanusWs> | undefined;
  private closed = false;

  constructor(private readonly options: AdminClientOptions) {}

  async request(body: JsonObject): Promise<JsonObject> {
    const ws = await this.connection();
    const secret = this.options.adminSecret;
    return ws.request(secret === undefined ? body : { ...body, admin_secret: secret }, this.options.requestTimeoutMs);
  }

  async listSessions(): Promise<number[]> {
    return ids((await this.request({ janus: 'list_sessions' })).sessions);
  }

  async listHandles(sessionId: number): Promise<number[]> {
    return ids((await this.request({ janus: 'list_handles', session_id: sessionId })).handles);
  }

  /** The `info` of one handle: its plugin and the plugin's own view of it (`plugin_specific`). */
  async handleInfo(sessionId: number, handleId: number): Promise<JsonObject> {
    const reply = await this.request({ janus: 'handle_info', session_id: sessionId, handle_id: handleId });
    return isJsonObject(reply.info) ? reply.info : {};
  }

  /** One plugin request (`message_plugin`): the plugin's `response`, or an empty object. */
  async messagePlugin(plugin: string, request: JsonObject): Promise<JsonObject> {
    const reply = await this.request({ janus: 'message_plugin', plugin, request });
    return isJsonObject(reply.response) ? reply.response : {};
  }

  async setAcceptNewSessions(accept: boolean): Promise<void> {
    await this.request({ janus: 'accept_new_sessions', accept });
  }

  close(): void {
    this.closed = true;
    const socket = this.socket;
    this.socket = undefined;
    void socket?.then((ws) => { ws.close(); }, () => undefined);
  }

  private connection(): Promise<JanusWs> {
    if (this.closed) return Promise.reject(new Error('admin client closed'));
    this.socket ??= this.open();
    return this.socket;
  }

  private async open(): Promise<JanusWs> {
    try {
      const ws = await JanusWs.connect(this.options.url, 'janus-admin-protocol', this.options.requestTimeoutMs);
      // Reconnect on the next request after Janus restarted or the socket dropped.
      ws.onClosed(() => { this.socket = undefined; });
      if (this.closed) ws.close();
      return ws;
    } catch (err) {
      this.socket = undefined;
      this.options.logger.debug({ err, url: this.options.url }, 'Admin API connect failed');
      throw err;
    }
  }
}
