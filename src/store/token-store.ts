/**
 * Janus stored tokens (`token_auth` without `token_auth_secret`): each token and the plugins it may
 * attach to, in the order they were allowed, as Janus keeps them. Every request of a client is
 * checked against a token, so reads are synchronous and answered from a local copy; writes (admin
 * requests, rare) go to the copy and to the shared store behind it before they are acknowledged.
 */

export interface StoredToken {
  token: string;
  plugins: string[];
}

export interface TokenStore {
  /** The plugins `token` may attach to; undefined when the token is not stored. */
  plugins(token: string): readonly string[] | undefined;
  /** Every stored token, in the order they were added. */
  list(): StoredToken[];
  /** Stores the token (kept as it is when it exists) and allows `plugins` on it. */
  add(token: string, plugins: readonly string[]): Promise<void>;
  /** Allows `plugins` on a stored token; false when there is no such token. */
  allow(token: string, plugins: readonly string[]): Promise<boolean>;
  /** Removes `plugins` from a stored token; false when there is no such token. */
  disallow(token: string, plugins: readonly string[]): Promise<boolean>;
  /** False when there was no such token. */
  remove(token: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The local copy every implementation answers from, and the edits on it. */
export class LocalTokens {
  protected readonly tokens = new Map<string, string[]>();

  plugins(token: string): readonly string[] | undefined {
    return this.tokens.get(token);
  }

  list(): StoredToken[] {
    return [...this.tokens].map(([token, plugins]) => ({ token, plugins: [...plugins] }));
  }

  /** The token's plugins after an edit; undefined when the token is unknown and `create` is false. */
  protected edit(token: string, change: { allow?: readonly string[]; disallow?: readonly string[] }, create: boolean): string[] | undefined {
    const current = this.tokens.get(token);
    if (!current && !create) return undefined;
    const next = [...(current ?? [])];
    for (const plugin of change.allow ?? []) if (!next.includes(plugin)) next.push(plugin);
    const removed = new Set(change.disallow ?? []);
    const result = next.filter((p) => !removed.has(p));
    this.tokens.set(token, result);
    return result;
  }

  protected apply(token: string, plugins: string[] | null): void {
    if (plugins === null) this.tokens.delete(token);
    else this.tokens.set(token, plugins);
  }
}
