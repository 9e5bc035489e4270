/**
 * The sentinel's index of its Janus's recordings: a bounded periodic scan of the recording folders
 * (configured, and found in Janus's own config), each `.mjr` linked to its room and participant by name
 * and described by its header. A file is complete once Janus has closed it (the participant left or
 * recording stopped): seen in Janus's open files when its pid is known, else when it has stopped
 * growing for `complete_after_ms`. It then goes to post-processing once; the outcome is kept on disk
 * (the result, its log, and a `.failed` note) so a sentinel restart neither loses nor retries it.
 */
import { copyFile, mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import type { SentinelConfig } from '../../config/sentinel-schema.js';
import { parseRecordingName, type RecordingName } from '../../recordings/file-name.js';
import { readMjrHeader, type MjrHeader } from '../../recordings/mjr-header.js';
import { outputExtension, PostProcessor } from './post-process.js';
import { ParticipantNames, type PluginAsker } from './participant-names.js';
import { JanusRecordingDirs } from './janus-recording-dirs.js';
import { fileKey, openRecordings } from './open-files.js';

export type RecordingFile = 'mjr' | 'output' | 'log' | 'muxed';

/** Audio and video of one participant started within this of each other belong together. */
const MUX_WINDOW_MS = 10_000;

export type RecordingState = 'recording' | 'complete' | 'processing' | 'processed' | 'failed' | 'unsupported';

export interface Recording {
  /** The file's stem: unique within a sentinel, the key of the download URLs. */
  id: string;
  plugin: RecordingName['plugin'];
  room?: string;
  participant?: string;
  /** VideoRoom/AudioBridge: the participant's display name, as its room named it while recording. */
  display?: string;
  /** VideoCall: the other user of the call. */
  peer?: string;
  kind?: string;
  codec?: string;
  /** Start of the media (first packet), ms since the epoch. */
  started_ms?: number;
  /** From the first packet to the file's last write. */
  duration_ms?: number;
  size: number;
  modified_ms: number;
  state: RecordingState;
  /** Why the conversion failed (the tool's reason) or why there is none. */
  error?: string;
  /** The file names of the post-processed result and the tool's log, when there are. */
  output?: string;
  log?: string;
  /** On a video recording: the file with its participant's audio muxed in (`recordings.mux`), or why it failed. */
  muxed?: string;
  mux_error?: string;
}

export interface RecordingIndexOptions {
  dirs: string[];
  /** More folders, asked at every scan: those found in Janus's own config (janus-recording-dirs.ts). */
  findDirs?: () => Promise<string[]>;
  /** Names recorded room participants (participant-names.ts); without it recordings carry ids only. */
  names?: ParticipantNames;
  /**
   * The recordings Janus has open now (open-files.ts), or undefined when unknown: a file it holds is
   * still recording, one it has closed is complete. Unknown: unchanged for `completeAfterMs` is complete.
   */
  openFiles?: () => Promise<ReadonlySet<string> | undefined>;
  outputDir?: string;
  collectDir?: string;
  deleteMjr: boolean;
  /** Mux each participant's audio into their video once both are converted (ffmpeg). */
  mux?: boolean;
  scanIntervalMs: number;
  completeAfterMs: number;
  maxFiles: number;
  processor: PostProcessor;
  logger: Logger;
}

interface Entry {
  recording: Recording;
  dir: string;
  header?: MjrHeader;
}

export class RecordingIndex {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private readonly jobs = new Set<Promise<void>>();

  constructor(private readonly options: RecordingIndexOptions) {}

  start(): void {
    const tick = (): void => {
      this.scan().catch((err: unknown) => { this.options.logger.warn({ err }, 'recording scan failed'); });
    };
    tick();
    this.timer = setInterval(tick, this.options.scanIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.scanning;
    await Promise.all([...this.jobs]);
  }

  list(): Recording[] {
    return [...this.entries.values()].map((e) => ({ ...e.recording })).sort((a, b) => a.modified_ms - b.modified_ms);
  }

  /** The path of one of a recording's files, or undefined: only indexed files are ever served. */
  filePath(id: string, which: RecordingFile): string | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    const { recording } = entry;
    if (which === 'mjr') return join(entry.dir, `${id}.mjr`); // deleted after conversion (delete_mjr): served as 404
    const name = which === 'output' ? recording.output : which === 'muxed' ? recording.muxed : recording.log;
    return name === undefined ? undefined : join(this.outputDir(entry), name);
  }

  /** One scan now (also what the timer runs); concurrent calls share the scan under way. */
  scan(nowMs = Date.now()): Promise<void> {
    this.scanning ??= this.scanDirs(nowMs).finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  /** Resolves when every conversion started so far has ended. */
  async settled(): Promise<void> {
    while (this.jobs.size > 0) await Promise.all([...this.jobs]);
  }

  private async scanDirs(nowMs: number): Promise<void> {
    let budget = this.options.maxFiles;
    this.options.names?.forget();
    const found = await this.options.findDirs?.().catch((err: unknown) => {
      this.options.logger.warn({ err }, 'Janus recording folders not found');
      return [];
    }) ?? [];
    const dirs = new Set([...this.options.dirs, ...found]);
    const lists = await Promise.all([...dirs].map(async (dir) => ({ dir, names: await readdir(dir).catch(() => [] as string[]) })));
    // Asked after listing the folders: a file created meanwhile is not taken for a closed one.
    const open = await this.options.openFiles?.().catch(() => undefined);
    for (const { dir, names } of lists) {
      for (const name of names) {
        if (budget <= 0) return;
        const parsed = parseRecordingName(name);
        if (!parsed) continue;
        budget -= 1;
        await this.update(dir, parsed, nowMs, open).catch((err: unknown) => { this.options.logger.debug({ err, name }, 'recording not indexed'); });
      }
    }
  }

  private async update(dir: string, name: RecordingName, nowMs: number, open: ReadonlySet<string> | undefined): Promise<void> {
    const info = await stat(join(dir, `${name.stem}.mjr`));
    const existing = this.entries.get(name.stem);
    const quiet = open === undefined ? nowMs - info.mtimeMs >= this.options.completeAfterMs : !open.has(fileKey(info));
    const stable = existing !== undefined && existing.recording.size === info.size && quiet;
    const entry: Entry = existing ?? { dir, recording: { id: name.stem, plugin: name.plugin, size: 0, modified_ms: 0, state: 'recording' } };
    Object.assign(entry.recording, { room: name.room, participant: name.participant, peer: name.peer, kind: name.kind, size: info.size, modified_ms: info.mtimeMs });
    this.entries.set(name.stem, entry);
    // Only while recording: the participant is then still in the room to be named.
    if (entry.recording.display === undefined && entry.recording.state === 'recording' && this.options.names) {
      const display = await this.options.names.displayOf(name.plugin, name.room, name.participant);
      if (display !== undefined) entry.recording.display = display;
    }
    // Once handled, a file's outcome stands: reading a broken header again would hide the tool's reason.
    if (!entry.header && entry.recording.state === 'recording') await this.readHeader(entry, stable);
    if (entry.header) entry.recording.duration_ms = Math.max(0, Math.round(info.mtimeMs - entry.header.firstPacketUs / 1000));
    if (entry.recording.state !== 'recording') return; // handled, or queued for a worker
    if (!existing) {
      await this.restoreOutcome(entry); // may change the state
      return;
    }
    if (stable) this.complete(entry);
  }

  private async readHeader(entry: Entry, complete: boolean): Promise<void> {
    const result = await readMjrHeader(join(entry.dir, `${entry.recording.id}.mjr`), complete);
    if (result.ok) {
      entry.header = result.header;
      Object.assign(entry.recording, { kind: result.header.kind, codec: result.header.codec, started_ms: Math.round(result.header.firstPacketUs / 1000) });
    } else if (!result.pending) {
      // The tool is still run on it: its own reason is what the operator needs.
      entry.recording.error = result.reason;
    }
  }

  /** After a restart: a result or a failure note on disk says the file was already handled. */
  private async restoreOutcome(entry: Entry): Promise<void> {
    const { id } = entry.recording;
    const failed = await readFile(join(this.outputDir(entry), `${id}.failed`), 'utf8').catch(() => undefined);
    if (failed !== undefined) {
      Object.assign(entry.recording, { state: 'failed', error: failed.trim(), log: `${id}.log` });
      return;
    }
    const ext = entry.header && outputExtension(entry.header.codec);
    if (ext === undefined) return;
    const done = await stat(join(this.outputDir(entry), `${id}.${ext}`)).then((s) => s.size > 0, () => false);
    if (done) Object.assign(entry.recording, { state: 'processed', output: `${id}.${ext}`, log: `${id}.log` });
    const muxed = `${id}-muxed.${ext}`;
    if (done && (await stat(join(this.outputDir(entry), muxed)).then((s) => s.size > 0, () => false))) entry.recording.muxed = muxed;
  }

  private complete(entry: Entry): void {
    const ext = entry.header && outputExtension(entry.header.codec);
    const headerError = entry.recording.error;
    if (ext === undefined && headerError === undefined) {
      Object.assign(entry.recording, { state: 'unsupported', error: `no conversion for codec ${entry.header?.codec ?? '?'}` });
      return;
    }
    entry.recording.state = 'complete'; // until a worker is free
    const job = this.process(entry, ext ?? 'out').finally(() => { this.jobs.delete(job); });
    this.jobs.add(job);
  }

  private async process(entry: Entry, ext: string): Promise<void> {
    const { id } = entry.recording;
    const outDir = this.outputDir(entry);
    await mkdir(outDir, { recursive: true });
    const output = join(outDir, `${id}.${ext}`);
    const result = await this.options.processor.convert(join(entry.dir, `${id}.mjr`), output, join(outDir, `${id}.log`), () => {
      entry.recording.state = 'processing';
    });
    entry.recording.log = `${id}.log`;
    if (!result.ok) {
      Object.assign(entry.recording, { state: 'failed', error: result.reason });
      await writeFile(join(outDir, `${id}.failed`), `${result.reason}\n`).catch(() => undefined);
      this.options.logger.warn({ recording: id, reason: result.reason }, 'recording post-processing failed');
      return;
    }
    Object.assign(entry.recording, { state: 'processed', output: `${id}.${ext}`, error: undefined });
    await this.afterSuccess(entry, output);
    if (this.options.mux === true) await this.mux(entry);
  }

  /** The other half (audio or video) of this participant's recording, converted already. */
  private partner(entry: Entry): Entry | undefined {
    const r = entry.recording;
    return [...this.entries.values()].find(({ recording: o }) => o !== r && o.state === 'processed' && o.kind !== r.kind
      && (o.kind === 'audio' || o.kind === 'video') && o.plugin === r.plugin && o.room === r.room && o.participant === r.participant
      && Math.abs((o.started_ms ?? 0) - (r.started_ms ?? 0)) < MUX_WINDOW_MS);
  }

  private async mux(entry: Entry): Promise<void> {
    if (entry.recording.kind !== 'audio' && entry.recording.kind !== 'video') return;
    const partner = this.partner(entry);
    if (!partner) return; // the other half converts later and muxes then
    const [video, audio] = entry.recording.kind === 'video' ? [entry, partner] : [partner, entry];
    const { id, output } = video.recording;
    if (video.recording.muxed !== undefined || output === undefined || audio.recording.output === undefined) return;
    const outDir = this.outputDir(video);
    const name = `${id}-muxed${output.slice(output.lastIndexOf('.'))}`;
    video.recording.muxed = name; // claimed: the audio's conversion must not start a second mux
    const result = await this.options.processor.mux(join(outDir, output), join(this.outputDir(audio), audio.recording.output), join(outDir, name), join(outDir, `${id}-muxed.log`));
    if (!result.ok) {
      Object.assign(video.recording, { muxed: undefined, mux_error: result.reason });
      return;
    }
    await this.afterSuccess(video, join(outDir, name), false);
  }

  /** Copies a result to the collection dir, and deletes the .mjr when asked to. */
  private async afterSuccess(entry: Entry, output: string, removeMjr = this.options.deleteMjr): Promise<void> {
    const { collectDir, logger } = this.options;
    const { id } = entry.recording;
    try {
      if (collectDir !== undefined) {
        await mkdir(collectDir, { recursive: true });
        await copyFile(output, join(collectDir, basename(output)));
      }
      if (removeMjr) await unlink(join(entry.dir, `${id}.mjr`));
    } catch (err) {
      logger.warn({ err, recording: id }, 'recording processed, but collecting or deleting it failed');
    }
  }

  private outputDir(entry: Entry): string {
    return this.options.outputDir ?? entry.dir;
  }
}

/**
 * The index a sentinel's `recordings` config asks for, or undefined when disabled. `janusPid` is the
 * Janus it runs or watches: with `find_dirs`, its command line leads to its config and folders.
 */
export function createRecordingIndex(
  config: SentinelConfig['recordings'], logger: Logger, janusPid: () => number | undefined, askPlugin?: PluginAsker,
): RecordingIndex | undefined {
  if (!config.enabled) return undefined;
  const found = config.find_dirs ? new JanusRecordingDirs({ pid: janusPid, configFile: config.janus_config }) : undefined;
  return new RecordingIndex({
    dirs: config.dirs, findDirs: found && (() => found.current()), ...(askPlugin ? { names: new ParticipantNames(askPlugin) } : {}),
    openFiles: () => { const pid = janusPid(); return Promise.resolve(pid === undefined ? undefined : openRecordings(pid)); },
    outputDir: config.output_dir, collectDir: config.collect_dir, deleteMjr: config.delete_mjr,
    mux: config.mux, scanIntervalMs: config.scan_interval_ms, completeAfterMs: config.complete_after_ms, maxFiles: config.max_files,
    processor: new PostProcessor({ command: config.janus_pp_rec, ffmpeg: config.ffmpeg, workers: config.workers, timeoutMs: config.timeout_ms }),
    logger: logger.child({ component: 'recordings' }),
  });
}
