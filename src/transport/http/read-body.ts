/** Reads a request body with a size limit: past the limit it is drained unbuffered, past a hard cap the connection goes. */
import type { IncomingMessage } from 'node:http';

/** Beyond `maxBytes` × this the body is not even drained: the client is cut off. */
const HARD_CAP_FACTOR = 4;

export type BodyResult =
  | { kind: 'ok'; text: string }
  | { kind: 'too-large'; size: number }
  | { kind: 'aborted' };

/** Whether the request announces a body (Content-Length > 0 or chunked). */
export function announcesBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const hardCap = maxBytes * HARD_CAP_FACTOR;
  return new Promise((resolve) => {
    const announced = Number(req.headers['content-length'] ?? 0);
    if (announced > hardCap) {
      req.destroy();
      resolve({ kind: 'aborted' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > hardCap) req.destroy();
    });
    req.on('end', () => {
      resolve(size > maxBytes ? { kind: 'too-large', size } : { kind: 'ok', text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', () => { resolve({ kind: 'aborted' }); });
    req.on('close', () => { resolve({ kind: 'aborted' }); });
  });
}
