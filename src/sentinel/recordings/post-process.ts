/**
 * Turns complete `.mjr` files into playable files with `janus-pp-rec`: a bounded pool of workers, a
 * timeout per file, and the tool's output kept as a log next to the result. A failure carries the
 * tool's own reason (its last error line, or the signal that ended it) so an operator can act on it.
 */
import { spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';

export interface PostProcessOptions {
  command: string;
  /** ffmpeg, for the audio+video mux. */
  ffmpeg?: string;
  workers: number;
  timeoutMs: number;
}

export type PostProcessResult = { ok: true; output: string; log: string } | { ok: false; reason: string; log: string };

/** The container janus-pp-rec writes for a codec (it picks the muxer from the target's extension). */
const EXTENSIONS: Record<string, string> = {
  opus: 'opus', multiopus: 'opus', vp8: 'webm', vp9: 'webm', av1: 'webm', h264: 'mp4', h265: 'mp4',
  pcmu: 'wav', pcma: 'wav', g722: 'wav', l16: 'wav', text: 'srt',
};

export function outputExtension(codec: string): string | undefined {
  return EXTENSIONS[codec];
}

/** Keeps the end of a log: a converter gone wild must not fill the sentinel's memory. */
const MAX_LOG = 256 * 1024;

export class PostProcessor {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: PostProcessOptions) {}

  /** Converts `input` into `output` once a worker is free (`onStart`); the tool's log goes to `logPath`. Never throws. */
  convert(input: string, output: string, logPath: string, onStart: () => void = () => undefined): Promise<PostProcessResult> {
    return this.produce(this.options.command, [input, output], output, logPath, onStart);
  }

  /** One file with the video of `video` and the audio of `audio` (both already converted), by ffmpeg. */
  mux(video: string, audio: string, output: string, logPath: string): Promise<PostProcessResult> {
    const args = ['-nostdin', '-y', '-loglevel', 'error', '-i', video, '-i', audio, '-map', '0:v', '-map', '1:a', '-c', 'copy', output];
    return this.produce(this.options.ffmpeg ?? 'ffmpeg', args, output, logPath, () => undefined);
  }

  private async produce(command: string, args: string[], output: string, logPath: string, onStart: () => void): Promise<PostProcessResult> {
    await this.slot();
    try {
      onStart();
      const run = await this.runTool(command, args);
      await writeFile(logPath, run.log).catch(() => undefined);
      if (!run.ok) return run;
      const size = await stat(output).then((s) => s.size, () => 0);
      if (size === 0) return { ok: false, reason: `${command} wrote no output (${lastErrorLine(run.log) ?? 'no reason given'})`, log: run.log };
      return { ok: true, output, log: run.log };
    } finally {
      this.release();
    }
  }

  private slot(): Promise<void> {
    if (this.running < this.options.workers) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes on without being freed
    else this.running -= 1;
  }

  private runTool(command: string, args: string[]): Promise<{ ok: true; log: string } | { ok: false; reason: string; log: string }> {
    const { timeoutMs } = this.options;
    return new Promise((resolve) => {
      let log = '';
      let timedOut = false;
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const append = (chunk: Buffer): void => { log = (log + chunk.toString('utf8')).slice(-MAX_LOG); };
      child.stdout.on('data', append);
      child.stderr.on('data', append);
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        resolve({ ok: false, reason: `cannot run ${command}: ${err.message}`, log });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) {
          resolve({ ok: true, log });
          return;
        }
        const why = timedOut ? `timed out after ${timeoutMs} ms` : signal ? `killed by ${signal}` : `exit code ${code ?? '?'}`;
        const detail = lastErrorLine(log);
        resolve({ ok: false, reason: `${command} failed (${why})${detail ? `: ${detail}` : ''}`, log });
      });
    });
  }
}

/** The tool's most telling line: the last error it printed, else its last line. */
function lastErrorLine(log: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- janus-pp-rec colours its log levels
  const lines = log.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const errors = lines.filter((l) => /\[ERR\]|error|invalid|overflow|terminated/i.test(l));
  return errors.at(-1) ?? lines.at(-1);
}
