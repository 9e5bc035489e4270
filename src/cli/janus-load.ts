#!/usr/bin/env node
/** `janus-load`: a load test with real WebRTC media (werift) against a Janus API endpoint. */
import { writeFileSync } from 'node:fs';
import { LOAD_USAGE, parseLoadArgs, UsageError, type LoadOptions } from '../load/options.js';
import { renderHtml } from '../load/html-report.js';
import { formatProgress, formatReport } from '../load/report-table.js';
import { runLoad, type Progress } from '../load/runner.js';
import { buildReport, exitCodeOf, type RawStats } from '../load/stats.js';
import { PCMU_KBPS } from '../load/tone.js';
import { runWorkers, type WorkerMessage } from '../load/workers.js';
import { runCommand } from './run-command.js';

/** The live line: rewritten in place on a terminal, one line every 5 s otherwise (logs stay short). */
function progressPrinter(): { print(p: Progress): void; end(): void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  let lastPhase: Progress['phase'] | undefined;
  return {
    print(p) {
      if (tty) process.stderr.write(`\r\x1b[K${formatProgress(p)}`);
      else if (Date.now() - last >= 5000 || p.phase !== lastPhase) {
        last = Date.now();
        lastPhase = p.phase;
        process.stderr.write(`${formatProgress(p)}\n`);
      }
    },
    end() {
      if (tty) process.stderr.write('\n');
    },
  };
}

async function runAsWorker(opts: LoadOptions, stop: AbortSignal): Promise<number> {
  const send = (m: WorkerMessage): void => { process.send?.(m); };
  const stats = await runLoad(opts, stop, (progress) => { send({ type: 'progress', progress }); });
  await new Promise<void>((resolve) => { process.send?.({ type: 'stats', stats } satisfies WorkerMessage, () => { resolve(); }); });
  return 0;
}

async function main(): Promise<number> {
  let opts: LoadOptions | 'help';
  try {
    opts = parseLoadArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`janus-load: ${err.message}\n${LOAD_USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(LOAD_USAGE);
    return 0;
  }
  // Ctrl-C: stop ramping, stop media, close every peer, then report. A second one exits at once.
  const stopper = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    if (++signals > 1 && !opts.worker) process.exit(130);
    stopper.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (opts.worker) return runAsWorker(opts, stopper.signal);

  const printer = progressPrinter();
  const onProgress = (p: Progress): void => { printer.print(p); };
  let stats: RawStats;
  try {
    stats = opts.workers > 1
      ? await runWorkers(process.argv.slice(2), opts.workers, opts.roomBase, stopper.signal, onProgress)
      : await runLoad(opts, stopper.signal, onProgress);
  } finally {
    printer.end();
  }
  // AudioBridge participants speak G.711, whose rate is fixed: --bitrate does not apply to them.
  const kbps = opts.scenario === 'audiobridge' ? PCMU_KBPS : opts.kbps;
  const report = buildReport(stats, { url: opts.url, scenario: opts.scenario, transport: opts.transport, workers: opts.workers, kbps });
  if (opts.html !== undefined) writeFileSync(opts.html, renderHtml(report, stats));
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (opts.json === '-') process.stdout.write(json);
  else {
    if (opts.json !== undefined) writeFileSync(opts.json, json);
    process.stdout.write(formatReport(report));
  }
  return exitCodeOf(report);
}

runCommand('janus-load', main);
