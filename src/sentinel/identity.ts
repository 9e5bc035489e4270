/**
 * Who this Janus is to the cluster: a stable name and the public URL clients will be sent to.
 * The name never changes across restarts (the original minted a new uuid each start, so every
 * restart looked like a new server while the old record lingered until it expired).
 */
import { hostname, networkInterfaces } from 'node:os';

export interface Identity {
  name: string;
  /** ws:// or wss:// URL of the Janus WebSocket API as the proxies and clients reach it. */
  publicUrl: string;
}

export interface IdentityConfig {
  server_name?: string | undefined;
  public_url?: string | undefined;
  ws_url: string;
}

function portOf(url: URL): string {
  if (url.port) return url.port;
  return url.protocol === 'wss:' ? '443' : '80';
}

/** `<hostname>-<port>`, squeezed into the report's name alphabet ([\w.-], at most 64). */
export function defaultServerName(host: string, port: string): string {
  const suffix = `-${port}`;
  const base = host.replace(/[^\w.-]/g, '_').slice(0, 64 - suffix.length) || 'janus';
  return `${base}${suffix}`;
}

/** The first non-internal IPv4 address of this machine, if it has one. */
export function firstExternalIPv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}

/** `findExternalIPv4` is injectable so tests do not depend on this machine's interfaces. */
export function resolveIdentity(config: IdentityConfig, findExternalIPv4: () => string | undefined = firstExternalIPv4): Identity {
  const local = new URL(config.ws_url);
  const port = portOf(local);
  const name = config.server_name ?? defaultServerName(hostname(), port);
  const publicUrl = config.public_url ?? `${local.protocol}//${findExternalIPv4() ?? local.hostname}:${port}`;
  return { name, publicUrl };
}
