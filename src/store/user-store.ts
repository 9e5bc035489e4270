/**
 * Who holds a username of a call plugin (videocall, p2pcall), cluster-wide. Each plugin has its own
 * namespace, as each Janus plugin has its own username registry. An entry names the proxy whose
 * client registered it; it lives only as long as that proxy does (memory: this process; Redis: a
 * lease the proxy keeps refreshing), so a dead proxy's users vanish without anyone cleaning up.
 */

export interface UserEntry {
  readonly username: string;
  /** Id of the proxy that serves the registering client. */
  readonly proxy: string;
  /**
   * The registering plugin handle, unique cluster-wide: it keeps its owner when a session take-over
   * moves it to another proxy, and then claims its username again from there.
   */
  readonly owner: string;
}

export interface UserStore {
  /** This proxy's id, as stored in the entries it claims. */
  readonly proxyId: string;
  /** Claims `entry.username` for `entry.owner`; false when a live owner already holds it. */
  claim(namespace: string, entry: UserEntry): Promise<boolean>;
  /** The live entry for `username`, or undefined (never registered, released, or its proxy died). */
  lookup(namespace: string, username: string): Promise<UserEntry | undefined>;
  /** Every username with a live entry. */
  list(namespace: string): Promise<string[]>;
  /** Removes the entry if `owner` still holds it (a later claim by someone else is left alone). */
  release(namespace: string, username: string, owner: string): Promise<void>;
  close(): Promise<void>;
}
