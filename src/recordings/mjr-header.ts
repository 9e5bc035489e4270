/**
 * Reader of the header of a Janus recording (`.mjr`, format MJR00002): the magic, a 16-bit big-endian
 * length, then a JSON object `{t: "a"|"v"|"d", c: codec, s: created µs, u: first packet µs, ...}`.
 * Janus writes the JSON only when the first packet arrives, so a fresh file may have the magic alone:
 * that is `pending`, not an error.
 */
import { open } from 'node:fs/promises';

export type MediaKind = 'audio' | 'video' | 'data';

export interface MjrHeader {
  kind: MediaKind;
  codec: string;
  /** When Janus created the recorder (µs since the epoch). */
  createdUs: number;
  /** When the first packet was written (µs since the epoch). */
  firstPacketUs: number;
}

export type MjrHeaderResult =
  | { ok: true; header: MjrHeader }
  | { ok: false; pending: boolean; reason: string };

const MAGIC = 'MJR00002';
/** The JSON header is small (codec, fmtp, extensions): anything longer is not a header. */
const MAX_JSON = 16 * 1024;
const KINDS: Record<string, MediaKind> = { a: 'audio', v: 'video', d: 'data' };

function pending(reason: string): MjrHeaderResult {
  return { ok: false, pending: true, reason };
}

function invalid(reason: string): MjrHeaderResult {
  return { ok: false, pending: false, reason };
}

/** Parses the header from the first bytes of a file; `complete` says whether more bytes may still come. */
export function parseMjrHeader(bytes: Buffer, complete = true): MjrHeaderResult {
  const short = (what: string): MjrHeaderResult => (complete ? invalid(`truncated ${what}`) : pending(`no ${what} yet`));
  if (bytes.length < MAGIC.length) return short('magic');
  const magic = bytes.subarray(0, MAGIC.length).toString('latin1');
  if (magic !== MAGIC) return invalid(`not an MJR00002 file (starts with ${JSON.stringify(magic)})`);
  if (bytes.length < MAGIC.length + 2) return short('header length');
  const length = bytes.readUInt16BE(MAGIC.length);
  if (length === 0 || length > MAX_JSON) return invalid(`implausible header length ${length}`);
  const start = MAGIC.length + 2;
  if (bytes.length < start + length) return short('header');
  let json: unknown;
  try {
    json = JSON.parse(bytes.subarray(start, start + length).toString('utf8'));
  } catch {
    return invalid('header is not JSON');
  }
  return headerFields(json);
}

function headerFields(json: unknown): MjrHeaderResult {
  if (typeof json !== 'object' || json === null) return invalid('header is not a JSON object');
  const fields = json as Record<string, unknown>;
  const kind = typeof fields.t === 'string' ? KINDS[fields.t] : undefined;
  if (kind === undefined) return invalid(`unknown media type ${JSON.stringify(fields.t)}`);
  if (typeof fields.c !== 'string' || fields.c === '') return invalid('no codec');
  const createdUs = typeof fields.s === 'number' ? fields.s : 0;
  const firstPacketUs = typeof fields.u === 'number' ? fields.u : createdUs;
  return { ok: true, header: { kind, codec: fields.c.toLowerCase(), createdUs, firstPacketUs } };
}

/** Reads the header of a file on disk; `complete` as for parseMjrHeader. */
export async function readMjrHeader(path: string, complete = true): Promise<MjrHeaderResult> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MAGIC.length + 2 + MAX_JSON);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return parseMjrHeader(buffer.subarray(0, bytesRead), complete);
  } finally {
    await file.close();
  }
}
