/**
 * Where the supervised Janus's stdout and stderr go: appended to a file, or each line into the
 * sentinel's log. Janus's own log file (log_to_file in janus.jcfg) is unaffected; this catches what
 * it prints before that is open, and everything when it logs to stdout.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';

/** Starts capturing; returns a function that closes the file (if any), to call once the child's output has ended. */
export function captureOutput(child: ChildProcess, logFile: string | undefined, logger: Logger): () => void {
  const streams = [child.stdout, child.stderr].filter((s): s is Readable => s !== null);
  if (logFile !== undefined) {
    const file = createWriteStream(logFile, { flags: 'a' });
    file.on('error', (err) => { logger.error({ err, logFile }, 'cannot write the Janus output file'); });
    for (const stream of streams) stream.pipe(file, { end: false });
    return () => { file.end(); };
  }
  for (const stream of streams) {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => { logger.info({ janus_output: line }, 'janus'); });
  }
  return () => undefined;
}
