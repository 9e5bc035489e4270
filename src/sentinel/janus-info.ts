/** What the sentinel needs from Janus's `server_info` reply: version and loaded plugins. */
import { isJsonObject, type JsonObject } from '../protocol/messages.js';

export interface JanusInfo {
  version: string | undefined;
  /** Package names of the loaded plugins, e.g. `janus.plugin.videoroom`. */
  plugins: string[];
}

export function parseJanusInfo(reply: JsonObject): JanusInfo {
  return {
    version: typeof reply.version_string === 'string' ? reply.version_string.slice(0, 64) : undefined,
    plugins: isJsonObject(reply.plugins) ? Object.keys(reply.plugins).sort() : [],
  };
}
