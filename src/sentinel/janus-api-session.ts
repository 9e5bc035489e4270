/**
 * A short-lived Janus API session of the sentinel's own (used by the room sweeper): connect,
 * create, attach, synchronous plugin requests, destroy. Its id is put in `ownSessions` while it
 * lives, so the load figures and the drain do not count it.
 */
import { isJsonObject, type JsonObject } from '../protocol/messages.js';
import { JanusWs } from '../backend/janus-ws.js';

/** A plugin's synchronous error (`error_code` in plugindata), e.g. videoroom 426 "No such room". */
export class PluginRequestError extends Error {
  override name = 'PluginRequestError';
  constructor(readonly code: number, reason: string) {
    super(reason);
  }
}

function dataId(reply: JsonObject): number {
  const data = isJsonObject(reply.data) ? reply.data : {};
  if (typeof data.id !== 'number') throw new Error(`Janus reply without an id: ${JSON.stringify(reply)}`);
  return data.id;
}

export class JanusApiSession {
  private constructor(
    private readonly ws: JanusWs,
    readonly id: number,
    private readonly apiSecret: string | undefined,
    private readonly timeoutMs: number,
    private readonly ownSessions: Set<number>,
  ) {}

  static async open(url: string, apiSecret: string | undefined, timeoutMs: number, ownSessions: Set<number>): Promise<JanusApiSession> {
    const ws = await JanusWs.connect(url, 'janus-protocol', timeoutMs);
    try {
      const secret = apiSecret === undefined ? {} : { apisecret: apiSecret };
      const id = dataId(await ws.request({ janus: 'create', ...secret }, timeoutMs));
      ownSessions.add(id);
      return new JanusApiSession(ws, id, apiSecret, timeoutMs, ownSessions);
    } catch (err) {
      ws.close();
      throw err;
    }
  }

  async attach(plugin: string): Promise<number> {
    return dataId(await this.request({ janus: 'attach', plugin }));
  }

  /** A synchronous plugin request; resolves with `plugindata.data`, rejects on a plugin error. */
  async message(handleId: number, body: JsonObject): Promise<JsonObject> {
    const reply = await this.request({ janus: 'message', handle_id: handleId, body });
    const plugindata = isJsonObject(reply.plugindata) ? reply.plugindata : {};
    const data = isJsonObject(plugindata.data) ? plugindata.data : {};
    if (typeof data.error_code === 'number') {
      throw new PluginRequestError(data.error_code, typeof data.error === 'string' ? data.error : 'plugin error');
    }
    return data;
  }

  /** Destroys the session (and so its handles) and closes the socket; never throws. */
  async close(): Promise<void> {
    try {
      if (this.ws.isOpen) await this.request({ janus: 'destroy' });
    } catch {
      // Closing the socket below destroys the session anyway (no reclaim for our own sessions).
    } finally {
      this.ws.close();
      this.ownSessions.delete(this.id);
    }
  }

  private request(msg: JsonObject): Promise<JsonObject> {
    const secret = this.apiSecret === undefined ? {} : { apisecret: this.apiSecret };
    return this.ws.request({ ...msg, session_id: this.id, ...secret }, this.timeoutMs);
  }
}
