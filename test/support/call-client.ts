// A VideoCall (or P2P Call) user for tests: one WebSocket, one session, one handle of the plugin.
import { JanusTestClient, type JanusMessage } from './janus-client.js';

const REPLY_KINDS = new Set(['success', 'error', 'ack']);

export type CallReply = { reply: JanusMessage; event?: JanusMessage };

export type CallUser = {
  client: JanusTestClient;
  sessionId: number;
  handleId: number;
  /** A plugin message: its reply and, after an ack, the event answering it (same transaction). */
  send(body: Record<string, unknown>, jsep?: Record<string, unknown>, timeoutMs?: number): Promise<CallReply>;
  trickle(payload: { candidate?: unknown; candidates?: unknown }): Promise<JanusMessage>;
  /** First VideoCall event (no transaction, i.e. unsolicited) whose result.event is `kind`, from `since` on (and `reason`, if given). */
  waitEvent(kind: string, since?: number, timeoutMs?: number, reason?: string): Promise<JanusMessage>;
  close(): Promise<void>;
};

/** `plugindata.data` of a plugin event. */
export function dataOf(m: JanusMessage | undefined): Record<string, unknown> {
  const plugindata = m?.plugindata as { data?: Record<string, unknown> } | undefined;
  return plugindata?.data ?? {};
}

/** `plugindata.data.result` of a VideoCall event. */
export function resultOf(m: JanusMessage | undefined): Record<string, unknown> {
  return (dataOf(m).result as Record<string, unknown> | undefined) ?? {};
}

export async function connectCallUser(url: string, plugin = 'janus.plugin.videocall'): Promise<CallUser> {
  const client = await JanusTestClient.connect(url);
  const sessionId = await client.createSession();
  return callUser(client, sessionId, await client.attach(sessionId, plugin));
}

/** The same user reconnected to `url` (another proxy), its session claimed there, as janus.js reconnect() does. */
export async function reconnectCallUser(url: string, user: CallUser): Promise<CallUser> {
  const client = await JanusTestClient.connect(url);
  const claimed = await client.request({ janus: 'claim', session_id: user.sessionId });
  if (claimed.janus !== 'success') {
    await client.close();
    throw new Error(`claim failed: ${JSON.stringify(claimed)}`);
  }
  return callUser(client, user.sessionId, user.handleId);
}

function callUser(client: JanusTestClient, sessionId: number, handleId: number): CallUser {
  const at = { session_id: sessionId, handle_id: handleId };
  return {
    client, sessionId, handleId,
    async send(body, jsep, timeoutMs = 10_000) {
      const since = client.mark();
      const transaction = client.send({ janus: 'message', ...at, body, ...(jsep ? { jsep } : {}) });
      const ofTx = (m: JanusMessage): boolean => m.transaction === transaction;
      const reply = await client.waitFor((m) => ofTx(m) && REPLY_KINDS.has(m.janus), timeoutMs, since);
      if (reply.janus !== 'ack') return { reply };
      const event = await client.waitFor((m) => ofTx(m) && m.janus === 'event', timeoutMs, since);
      return { reply, event };
    },
    trickle: (payload) => client.request({ janus: 'trickle', ...at, ...payload }),
    waitEvent(kind, since, timeoutMs = 10_000, reason) {
      return client.waitFor(
        (m) => m.janus === 'event' && m.sender === handleId && m.transaction === undefined && resultOf(m).event === kind &&
          (reason === undefined || resultOf(m).reason === reason),
        timeoutMs, since,
      );
    },
    close: () => client.close(),
  };
}
