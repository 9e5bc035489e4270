/**
 * The name a VideoCall user has on a backend Janus: `<username>~<10 hex>`, unique there and still
 * readable in Janus's Admin API and in the recording file names Janus makes of it.
 */
import { randomBytes } from 'node:crypto';

const ALIAS = /^(.+)~[0-9a-f]{10}$/;
/** Two aliases joined by a dash (`videocall-<user>-<peer>-…` recordings): splits even when names hold dashes. */
const ALIAS_PAIR = /^(.+~[0-9a-f]{10})-(.+~[0-9a-f]{10})$/;

export function makeAlias(username: string): string {
  return `${username}~${randomBytes(5).toString('hex')}`;
}

/** The username an alias stands for, or undefined when `name` is no alias. */
export function userOfAlias(name: string): string | undefined {
  return ALIAS.exec(name)?.[1];
}

/** `<alias>-<alias>` split into its two users, or undefined. */
export function splitAliasPair(names: string): [string, string] | undefined {
  const [, first = '', second = ''] = ALIAS_PAIR.exec(names) ?? [];
  const users = [userOfAlias(first), userOfAlias(second)];
  return users[0] !== undefined && users[1] !== undefined ? [users[0], users[1]] : undefined;
}
