/**
 * The proxies of a cluster, each as it describes itself when it refreshes its lease (decision 12):
 * for operators (`GET /proxies`, the dashboard), including the workers of `--workers N`. The
 * figures are as fresh as the lease (a third of `store.proxy_ttl_s`); a dead proxy drops out when
 * its lease expires.
 */
export interface ProxyDescription {
  id: string;
  server_name: string;
  /** Its number under `janus-proxy --workers N` (1..N); absent for a lone process. */
  worker?: number | undefined;
  pid: number;
  host: string;
  started_at: number;
  sessions: number;
  handles: number;
  accepting_new_sessions: boolean;
  /** When it last described itself (epoch ms). */
  updated_at: number;
}

export type SelfDescription = Omit<ProxyDescription, 'id' | 'updated_at'>;

export interface ProxyDirectory {
  /** How this proxy describes itself from now on. */
  describeWith(describe: () => SelfDescription): void;
  /** Every live proxy, this one first. */
  list(): Promise<ProxyDescription[]>;
}

/** One proxy on its own (memory store): the directory is itself. */
export class LocalProxyDirectory implements ProxyDirectory {
  private describe: (() => SelfDescription) | undefined;

  constructor(private readonly proxyId: string, private readonly now: () => number = Date.now) {}

  describeWith(describe: () => SelfDescription): void {
    this.describe = describe;
  }

  list(): Promise<ProxyDescription[]> {
    const self = this.describe?.();
    return Promise.resolve(self ? [{ id: this.proxyId, ...self, updated_at: this.now() }] : []);
  }
}

/** A description read back from the store; undefined when it is not one. */
export function parseProxyDescription(text: string | null): ProxyDescription | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ProxyDescription>;
    if (typeof value.id !== 'string' || typeof value.server_name !== 'string') return undefined;
    return value as ProxyDescription;
  } catch {
    return undefined; // an older proxy's lease holds a bare timestamp
  }
}
