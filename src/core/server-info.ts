/** The proxy's `server_info`, shaped like Janus 1.1's so clients and tools read it unchanged. */
import type { JsonObject, OutgoingMessage } from '../protocol/messages.js';

export const PROXY_NAME = 'Janus Cloud proxy';
export const PROXY_VERSION_STRING = '0.1.0';
/** Janus encodes x.y.z as x*1000 + y*100 + z. */
export const PROXY_VERSION = 10;

export interface ServerInfoInputs {
  serverName: string;
  sessionTimeoutS: number;
  reclaimSessionTimeoutS: number;
  apiSecret: boolean;
  authToken: boolean;
  acceptingNewSessions: boolean;
  plugins: Record<string, JsonObject>;
  transports: Record<string, JsonObject>;
}

export function serverInfo(transaction: string, inputs: ServerInfoInputs): OutgoingMessage {
  return {
    janus: 'server_info',
    transaction,
    name: PROXY_NAME,
    version: PROXY_VERSION,
    version_string: PROXY_VERSION_STRING,
    author: 'Janus Cloud',
    'commit-hash': 'not-a-git-repo',
    'compile-time': '',
    'log-to-stdout': true,
    'log-to-file': false,
    data_channels: true,
    'accepting-new-sessions': inputs.acceptingNewSessions,
    'session-timeout': inputs.sessionTimeoutS,
    'reclaim-session-timeout': inputs.reclaimSessionTimeoutS,
    'candidates-timeout': 45,
    'server-name': inputs.serverName,
    'local-ip': '',
    ipv6: false,
    'ice-lite': false,
    'ice-tcp': false,
    'full-trickle': false,
    api_secret: inputs.apiSecret,
    auth_token: inputs.authToken,
    event_handlers: false,
    opaqueid_in_api: false,
    transports: inputs.transports,
    events: {},
    loggers: {},
    plugins: inputs.plugins,
  };
}
