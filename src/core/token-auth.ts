/**
 * Janus's `token_auth`, as Janus 1.1 checks it (src/auth.c). Stored mode (no `token_auth_secret`):
 * a token is valid when stored, and may attach to the plugins stored with it. Signed mode:
 * `<expiry>,janus[,<plugin>…]:<base64 HMAC-SHA1 of the part before ':'>`, checked in Janus's order:
 * shape, expiry, realm, (plugin), signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TokenStore } from '../store/token-store.js';

const REALM = 'janus';

export interface TokenAuthOptions {
  /** Stored mode when undefined, signed mode otherwise. */
  secret: string | undefined;
  store: TokenStore;
  /** Seconds since the epoch (tests move it). */
  now?: () => number;
}

/** C's strtoll on the leading part of a string: whitespace, sign and digits; 0 when there are none. */
function strtoll(text: string): number {
  const match = /^\s*([+-]?\d+)/.exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/** Compares secrets in constant time for equal lengths (Janus's janus_strcmp_const_time). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Signs like Janus's documentation says applications do (used by tests and tools). */
export function signToken(secret: string, expiry: number, plugins: readonly string[]): string {
  const data = [String(expiry), REALM, ...plugins].join(',');
  return `${data}:${createHmac('sha1', secret).update(data).digest('base64')}`;
}

export class TokenAuth {
  private readonly now: () => number;

  constructor(private readonly options: TokenAuthOptions) {
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  get mode(): 'stored' | 'signed' {
    return this.options.secret === undefined ? 'stored' : 'signed';
  }

  get store(): TokenStore {
    return this.options.store;
  }

  /** Janus's janus_auth_check_token: may this token open sessions and send requests? */
  checkToken(token: string): boolean {
    if (this.options.secret === undefined) return this.options.store.plugins(token) !== undefined;
    return this.checkSignature(token, undefined);
  }

  /** Janus's janus_auth_check_plugin: may this token attach to `plugin` (a package name)? */
  checkPlugin(token: string, plugin: string): boolean {
    if (this.options.secret === undefined) return this.options.store.plugins(token)?.includes(plugin) ?? false;
    return this.checkSignature(token, plugin);
  }

  private checkSignature(token: string, plugin: string | undefined): boolean {
    const secret = this.options.secret;
    if (secret === undefined) return false;
    const colon = token.indexOf(':');
    if (colon < 0) return false;
    const data = token.slice(0, colon);
    const fields = data.split(',');
    if (data === '' || fields.length < 2) return false;
    const expiry = strtoll(fields[0] ?? '');
    if (expiry < 0 || this.now() > expiry) return false;
    if (fields[1] !== REALM) return false;
    if (plugin !== undefined && !fields.slice(2).includes(plugin)) return false;
    return sameText(token.slice(colon + 1), createHmac('sha1', secret).update(data).digest('base64'));
  }
}
