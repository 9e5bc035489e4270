/** Where a client connects from, read once from its HTTP request (WebSocket upgrade or REST call). */
import type { IncomingMessage } from 'node:http';
import type { ClientOrigin, Locality } from '../protocol/origin.js';

export interface OriginOptions {
  /** Take the address from X-Forwarded-For (only behind a trusted reverse proxy). */
  trustForwardedFor: boolean;
  /** Request headers whose values name the client's location, isp and region. */
  localityHeaders: Partial<Record<keyof Locality, string>>;
}

function header(req: IncomingMessage, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const value = req.headers[name.toLowerCase()];
  const text = Array.isArray(value) ? value[0] : value;
  return text?.trim().slice(0, 64) || undefined;
}

export function clientOrigin(req: IncomingMessage, options: OriginOptions): ClientOrigin {
  const forwarded = options.trustForwardedFor ? header(req, 'x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  const h = options.localityHeaders;
  const hints: Locality = { location: header(req, h.location), isp: header(req, h.isp), region: header(req, h.region) };
  const hasHints = hints.location !== undefined || hints.isp !== undefined || hints.region !== undefined;
  return { address: forwarded ?? req.socket.remoteAddress, hints: hasHints ? hints : undefined };
}
