/** Stored tokens of this proxy only (store type `memory`). */
import { LocalTokens, type TokenStore } from '../token-store.js';

export class MemoryTokenStore extends LocalTokens implements TokenStore {
  add(token: string, plugins: readonly string[]): Promise<void> {
    this.edit(token, { allow: plugins }, true);
    return Promise.resolve();
  }

  allow(token: string, plugins: readonly string[]): Promise<boolean> {
    return Promise.resolve(this.edit(token, { allow: plugins }, false) !== undefined);
  }

  disallow(token: string, plugins: readonly string[]): Promise<boolean> {
    return Promise.resolve(this.edit(token, { disallow: plugins }, false) !== undefined);
  }

  remove(token: string): Promise<boolean> {
    return Promise.resolve(this.tokens.delete(token));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
