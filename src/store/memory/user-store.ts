/** The default user store: one proxy, entries in a Map per namespace (they die with the process). */
import type { UserEntry, UserStore } from '../user-store.js';

export class MemoryUserStore implements UserStore {
  private readonly namespaces = new Map<string, Map<string, UserEntry>>();

  constructor(readonly proxyId: string) {}

  claim(namespace: string, entry: UserEntry): Promise<boolean> {
    const users = this.users(namespace);
    const current = users.get(entry.username);
    if (current && current.owner !== entry.owner) return Promise.resolve(false);
    users.set(entry.username, { ...entry });
    return Promise.resolve(true);
  }

  lookup(namespace: string, username: string): Promise<UserEntry | undefined> {
    const entry = this.namespaces.get(namespace)?.get(username);
    return Promise.resolve(entry ? { ...entry } : undefined);
  }

  list(namespace: string): Promise<string[]> {
    return Promise.resolve([...(this.namespaces.get(namespace)?.keys() ?? [])]);
  }

  release(namespace: string, username: string, owner: string): Promise<void> {
    const users = this.namespaces.get(namespace);
    if (users?.get(username)?.owner === owner) users.delete(username);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.namespaces.clear();
    return Promise.resolve();
  }

  private users(namespace: string): Map<string, UserEntry> {
    let users = this.namespaces.get(namespace);
    if (!users) {
      users = new Map();
      this.namespaces.set(namespace, users);
    }
    return users;
  }
}
