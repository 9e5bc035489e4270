/** EchoTest: each handle is placed on one backend and relayed (media goes client ⇄ that Janus). */
import { relayPlugin } from './relay.js';

export const ECHOTEST_PLUGIN = 'janus.plugin.echotest';
export const echotestPlugin = relayPlugin(ECHOTEST_PLUGIN);
