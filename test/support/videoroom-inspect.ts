// Looks at what each real Janus holds for a VideoRoom spread by the proxy: its local participants,
// the remote publishers (mirrors), the remotizations at an origin, and its subscriber handles.
import { adminRequest, JanusTestClient, type JanusMessage } from './janus-client.js';
import type { JanusInstance } from './janus-fixture.js';
import { listHandles, listSessions } from './cluster-helpers.js';
import { videoRoomHandle, type Data, type VideoRoomHandle } from './videoroom-direct.js';

export type RoomView = { local: Data[]; remote: Data[] };

export class JanusInspector {
  private constructor(readonly janus: JanusInstance, private readonly client: JanusTestClient, private readonly handle: VideoRoomHandle) {}

  static async open(janus: JanusInstance): Promise<JanusInspector> {
    const client = await JanusTestClient.connect(janus.wsUrl);
    return new JanusInspector(janus, client, await videoRoomHandle(client));
  }

  /** The room's participants on this Janus: its own, and the remote publishers standing in for others. */
  async room(room: number | string): Promise<RoomView | undefined> {
    const data = await this.handle.sync({ request: 'listparticipants', room });
    if (data.error_code === 426) return undefined;
    const all = (data.participants as Data[] | undefined) ?? [];
    return { local: all.filter((p) => p.remote !== true), remote: all.filter((p) => p.remote === true) };
  }

  /** `listremotes` of a publisher at its origin (remote ids), or the error code. */
  async remotes(room: number | string, publisher: number | string): Promise<string[] | number> {
    const data = await this.handle.sync({ request: 'listremotes', room, publisher_id: publisher, secret: 'test-backend-room-secret' });
    if (typeof data.error_code === 'number') return data.error_code;
    return ((data.list as Data[] | undefined) ?? []).map((r) => String(r.remote_id)).sort();
  }

  async exists(room: number | string): Promise<boolean> {
    return (await this.handle.sync({ request: 'exists', room })).exists === true;
  }

  /** Subscriber handles on this Janus (Admin API handle_info). */
  async subscribers(): Promise<number> {
    let count = 0;
    for (const session of await listSessions(this.janus)) {
      for (const handle of await listHandles(this.janus, session)) {
        const reply: JanusMessage = await adminRequest(this.janus.adminWsUrl, this.janus.adminSecret, {
          janus: 'handle_info', session_id: session, handle_id: handle, plugin_only: true,
        });
        const specific = (reply.info as { plugin_specific?: { type?: string } } | undefined)?.plugin_specific;
        if (specific?.type === 'subscriber') count++;
      }
    }
    return count;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** The index of the Janus where `id` is a local participant of `room`. */
export async function originOf(inspectors: readonly JanusInspector[], room: number | string, id: unknown): Promise<number> {
  for (const [index, inspector] of inspectors.entries()) {
    const view = await inspector.room(room);
    if (view?.local.some((p) => p.id === id)) return index;
  }
  return -1;
}
