/**
 * The proxy's own channel to each backend for room management: one backend session with one
 * VideoRoom handle per Janus, separate from every client session. Backend rooms, remote publishers
 * and room-wide queries all go through it. It reopens itself on the next request after a loss.
 */
import type { Logger } from 'pino';
import type { Cluster } from '../../cluster/cluster.js';
import { BackendSession, type BackendSessionOwner } from '../../backend/backend-session.js';
import type { BackendHandle } from '../../backend/backend-handle.js';
import { nextBackendTransaction } from '../../protocol/ids.js';
import { isJsonObject, type JsonObject } from '../../protocol/messages.js';
import { ProxyErrors } from '../../protocol/errors.js';
import { VideoRoomError } from './errors.js';
import { VIDEOROOM_PLUGIN } from './options.js';

class ControlChannel implements BackendSessionOwner {
  private session: BackendSession | undefined;
  private handle: Promise<BackendHandle> | undefined;

  constructor(
    private readonly backendName: string,
    private readonly cluster: Cluster,
    private readonly logger: Logger,
    private readonly onLost: (backend: string) => void,
  ) {}

  /** A synchronous VideoRoom request; resolves with its plugin data, rejects with the VideoRoom error. */
  async request(body: JsonObject): Promise<JsonObject> {
    const handle = await this.open();
    const reply = await handle.message(body, undefined, nextBackendTransaction());
    const plugindata = reply.plugindata;
    const data = isJsonObject(plugindata) && isJsonObject(plugindata.data) ? plugindata.data : undefined;
    if (!data) throw new VideoRoomError(499, 'Invalid response');
    if (typeof data.error_code === 'number') throw new VideoRoomError(data.error_code, typeof data.error === 'string' ? data.error : '');
    return data;
  }

  onBackendSessionLost(lost: BackendSession): void {
    if (lost !== this.session) return;
    this.reset();
    this.logger.info({ backend: this.backendName }, 'videoroom control channel lost');
    this.onLost(this.backendName);
  }

  close(): void {
    this.session?.destroy();
    this.reset();
  }

  private open(): Promise<BackendHandle> {
    if (this.handle && this.session?.alive) return this.handle;
    const backend = this.cluster.backends.get(this.backendName);
    if (!backend?.connected) return Promise.reject(ProxyErrors.backendLost());
    const session = BackendSession.open(backend.pool, this, this.logger, { backend: this.backendName, control: true });
    this.session = session;
    const handle = session.attach(VIDEOROOM_PLUGIN, 'janus-cloud-control').then((h) => {
      // The control handle is in no room: nothing it hears needs an answer.
      h.listener = { onBackendEvent: () => undefined, onBackendLost: () => undefined };
      return h;
    });
    handle.catch(() => {
      if (this.session === session) {
        session.destroy();
        this.reset();
      }
    });
    this.handle = handle;
    return handle;
  }

  private reset(): void {
    this.session = undefined;
    this.handle = undefined;
  }
}

export class ControlChannels {
  private readonly channels = new Map<string, ControlChannel>();
  /** Called when the channel to a backend breaks (its connection closed or Janus died). */
  onLost: (backend: string) => void = () => undefined;

  constructor(
    private readonly cluster: Cluster,
    private readonly logger: Logger,
  ) {}

  request(backend: string, body: JsonObject): Promise<JsonObject> {
    let channel = this.channels.get(backend);
    if (!channel) {
      channel = new ControlChannel(backend, this.cluster, this.logger, (name) => { this.onLost(name); });
      this.channels.set(backend, channel);
    }
    return channel.request(body);
  }

  close(): void {
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }
}
