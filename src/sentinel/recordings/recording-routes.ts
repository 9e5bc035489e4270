/**
 * The sentinel's recording endpoints (behind its bearer token): `GET /recordings` lists the index
 * (filters room, participant, state, since), `GET /recordings/:id/:file` serves the `.mjr`, the
 * converted `output` or the tool's `log`, with range requests. Only indexed files are served.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { parseByteRange } from '../../recordings/byte-range.js';
import { matchesFilter, recordingFilter } from '../../recordings/filter.js';
import { RestError } from '../rest-errors.js';
import type { RecordingIndex } from './recording-index.js';

const fileParams = z.object({ id: z.string().min(1), file: z.enum(['mjr', 'output', 'log', 'muxed']) });

const CONTENT_TYPES: Record<string, string> = {
  opus: 'audio/ogg', webm: 'video/webm', mp4: 'video/mp4', wav: 'audio/wav', srt: 'text/plain', log: 'text/plain', mjr: 'application/octet-stream',
};

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new RestError('bad_request', result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
}

export function registerRecordingRoutes(app: FastifyInstance, index: () => RecordingIndex | undefined): void {
  const enabled = (): RecordingIndex => {
    const found = index();
    if (!found) throw new RestError('not_found', 'recordings are not enabled on this sentinel');
    return found;
  };
  app.get('/recordings', (request) => {
    const filter = parse(recordingFilter, request.query);
    return { recordings: enabled().list().filter((r) => matchesFilter(r, filter)) };
  });
  app.get('/recordings/:id/:file', async (request, reply) => {
    const { id, file } = parse(fileParams, request.params);
    const path = enabled().filePath(id, file);
    if (path === undefined) throw new RestError('not_found', `recording ${id} has no ${file} file`);
    return sendFile(reply, path, request.headers.range);
  });
}

/** Streams a file, or the one byte range asked for (206), with the headers a player expects. */
export async function sendFile(reply: FastifyReply, path: string, rangeHeader: string | undefined): Promise<FastifyReply> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new RestError('not_found', 'the file is gone');
  const range = parseByteRange(rangeHeader, info.size);
  if (range.kind === 'unsatisfiable') {
    return reply.code(416).header('content-range', `bytes */${String(info.size)}`).send({ code: 416, reason: 'range not satisfiable' });
  }
  const ext = path.slice(path.lastIndexOf('.') + 1);
  reply.header('accept-ranges', 'bytes').header('content-disposition', `attachment; filename="${basename(path)}"`);
  reply.type(CONTENT_TYPES[ext] ?? 'application/octet-stream');
  if (range.kind === 'all') return reply.header('content-length', info.size).send(createReadStream(path));
  return reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${info.size}`)
    .header('content-length', range.end - range.start + 1).send(createReadStream(path, { start: range.start, end: range.end }));
}
