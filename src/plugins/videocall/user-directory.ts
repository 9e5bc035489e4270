/**
 * The registry of one call plugin's users: who holds a username and where to reach them. Backed
 * by the user store (memory, or Redis shared by every proxy), so `list` and `call` see the users of
 * every live proxy and a username cannot be taken over while its holder lives.
 */
import type { Logger } from 'pino';
import type { UserStore } from '../../store/user-store.js';
import { CallErrors } from './errors.js';
import type { PartyAddress } from './peer-link.js';

export class UserDirectory {
  constructor(
    private readonly store: UserStore,
    private readonly namespace: string,
    private readonly logger: Logger,
  ) {}

  /** Claims `username` for `owner` on this proxy; false when someone else holds it. */
  async claim(username: string, owner: string): Promise<boolean> {
    try {
      return await this.store.claim(this.namespace, { username, proxy: this.store.proxyId, owner });
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async lookup(username: string): Promise<PartyAddress | undefined> {
    try {
      const entry = await this.store.lookup(this.namespace, username);
      return entry && { proxy: entry.proxy, owner: entry.owner };
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async list(): Promise<string[]> {
    try {
      return await this.store.list(this.namespace);
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  /** Best effort: an entry left behind dies with this proxy's lease anyway. */
  release(username: string, owner: string): void {
    this.store.release(this.namespace, username, owner).catch((err: unknown) => {
      this.logger.warn({ err: err instanceof Error ? err.message : String(err), username }, 'could not release a username');
    });
  }

  private unavailable(err: unknown): Error {
    this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'user store failed');
    return CallErrors.callFailed('User registry unavailable');
  }
}
