/** What the sentinel needs from Janus's `server_info` reply: version, loaded plugins, reclaim window. */
import { isJsonObject, type JsonObject } from '../protocol/messages.js';

export interface JanusInfo {
  version: string | undefined;
  /** Package names of the loaded plugins, e.g. `janus.plugin.videoroom`. */
  plugins: string[];
  /** Janus's `reclaim_session_timeout`: how long it keeps a session whose transport (a proxy) dropped. */
  reclaimSessionTimeoutS: number | undefined;
}

export function parseJanusInfo(reply: JsonObject): JanusInfo {
  return {
    version: typeof reply.version_string === 'string' ? reply.version_string.slice(0, 64) : undefined,
    plugins: isJsonObject(reply.plugins) ? Object.keys(reply.plugins).sort() : [],
    reclaimSessionTimeoutS: typeof reply['reclaim-session-timeout'] === 'number' ? reply['reclaim-session-timeout'] : undefined,
  };
}
