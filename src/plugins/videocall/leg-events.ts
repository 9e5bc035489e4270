/**
 * Reading and rewriting VideoCall events from a backend leg: users are registered on backends under
 * aliases, and the client must only ever see real usernames (in `result.username` and error texts).
 */
import { isJsonObject, type JsonObject } from '../../protocol/messages.js';
import { videocallData } from './backend-leg.js';

/** Aliases remembered per handle: enough for late events of the previous calls. */
const MAX_REMEMBERED_ALIASES = 16;

export interface LegEvent {
  /** `result.event` (incomingcall, accepted, hangup, …) or undefined for other messages. */
  readonly kind: string | undefined;
  /** `result.username` as the backend sent it (an alias). */
  readonly rawUsername: string | undefined;
  readonly isError: boolean;
}

export function classify(msg: JsonObject): LegEvent {
  const data = msg.janus === 'event' ? videocallData(msg) : undefined;
  const result = isJsonObject(data?.result) ? data.result : undefined;
  return {
    kind: typeof result?.event === 'string' ? result.event : undefined,
    rawUsername: typeof result?.username === 'string' ? result.username : undefined,
    isError: typeof data?.error_code === 'number',
  };
}

/** Alias → username, for the aliases this handle has seen (its own and its peers'). */
export class AliasNames {
  private readonly names = new Map<string, string>();

  remember(alias: string, username: string): void {
    this.names.delete(alias);
    this.names.set(alias, username);
    if (this.names.size > MAX_REMEMBERED_ALIASES) {
      const oldest = this.names.keys().next().value;
      if (oldest !== undefined) this.names.delete(oldest);
    }
  }

  /** Puts the real usernames into a VideoCall event's plugin data, in place. */
  rewrite(msg: JsonObject): void {
    const data = videocallData(msg);
    if (!data) return;
    const result = data.result;
    if (isJsonObject(result) && typeof result.username === 'string') {
      result.username = this.names.get(result.username) ?? result.username;
    }
    if (typeof data.error === 'string') data.error = this.rewriteText(data.error);
  }

  private rewriteText(text: string): string {
    let out = text;
    for (const [alias, username] of this.names) out = out.split(alias).join(username);
    return out;
  }
}
