/**
 * Where a Janus writes its recordings, read from that Janus's own configuration, so an operator does
 * not have to repeat every folder in the sentinel's config. The rule (README, Recordings):
 *  - the configs folder is `-F/--configs-folder` on Janus's command line, else `configs_folder` in its
 *    janus.jcfg (`-C/--config`, default /etc/janus/janus.jcfg), else the folder of that file;
 *  - of each plugin not disabled in janus.jcfg: VideoRoom rooms' `rec_dir`, AudioBridge rooms' `mjrs_dir`,
 *    RecordPlay's `path`;
 *  - Janus's working directory: VideoCall recordings, and rooms without a folder of their own, go there.
 * Relative paths are relative to Janus's working directory. Rooms created through the API with their
 * own `rec_dir` are in no file: those folders still go in `recordings.dirs`.
 */
import { readFile, readlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { readLibconfigStrings } from './libconfig-strings.js';

const DEFAULT_CONFIG = '/etc/janus/janus.jcfg';

/** Per plugin: its config file, and the keys (anywhere in it) naming folders it records into. */
const PLUGIN_FOLDERS = [
  { library: 'libjanus_videoroom.so', file: 'janus.plugin.videoroom.jcfg', keys: ['rec_dir'] },
  { library: 'libjanus_audiobridge.so', file: 'janus.plugin.audiobridge.jcfg', keys: ['mjrs_dir'] },
  { library: 'libjanus_recordplay.so', file: 'janus.plugin.recordplay.jcfg', keys: ['path'] },
] as const;

export interface JanusLaunch {
  /** Janus's command line (argv[0] included). */
  argv: string[];
  /** Its working directory, when known. */
  cwd?: string | undefined;
}

/** The config file and configs folder named on a Janus command line. */
export function janusConfigArgs(argv: readonly string[]): { configFile?: string; configsFolder?: string } {
  const found: { configFile?: string; configsFolder?: string } = {};
  const options = [
    { key: 'configFile', short: '-C', long: '--config' },
    { key: 'configsFolder', short: '-F', long: '--configs-folder' },
  ] as const;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    for (const { key, short, long } of options) {
      if (arg === short || arg === long) found[key] = argv[++i];
      else if (arg.startsWith(`${long}=`)) found[key] = arg.slice(long.length + 1);
      else if (arg.startsWith(short) && arg.length > short.length && !arg.startsWith('--')) found[key] = arg.slice(short.length);
    }
  }
  return found;
}

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** The folders this Janus records into, by the rule above; files it cannot read add nothing. */
export async function janusRecordingDirs(launch: JanusLaunch): Promise<string[]> {
  const { cwd } = launch;
  const here = (path: string): string | undefined => (isAbsolute(path) ? path : cwd === undefined ? undefined : resolve(cwd, path));
  const args = janusConfigArgs(launch.argv);
  const configFile = here(args.configFile ?? DEFAULT_CONFIG);
  const core = configFile === undefined ? [] : readLibconfigStrings(await readText(configFile) ?? '');
  const configsFolder = (args.configsFolder === undefined ? undefined : here(args.configsFolder))
    ?? core.find((e) => e.section === 'general' && e.key === 'configs_folder')?.value
    ?? (configFile === undefined ? undefined : dirname(configFile));
  const disabled = core.filter((e) => e.section === 'plugins' && e.key === 'disable').flatMap((e) => e.value.split(',').map((s) => s.trim()));

  const dirs = cwd === undefined ? [] : [cwd];
  if (configsFolder !== undefined) {
    for (const plugin of PLUGIN_FOLDERS) {
      if (disabled.includes(plugin.library)) continue;
      const entries = readLibconfigStrings(await readText(join(configsFolder, plugin.file)) ?? '');
      for (const e of entries) {
        const dir = (plugin.keys as readonly string[]).includes(e.key) && e.value !== '' ? here(e.value) : undefined;
        if (dir !== undefined) dirs.push(dir);
      }
    }
  }
  return [...new Set(dirs)];
}

/** How a running Janus was launched, from /proc (undefined when it is gone or not ours to read). */
export async function launchOfPid(pid: number): Promise<JanusLaunch | undefined> {
  const cmdline = await readFile(`/proc/${String(pid)}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined || cmdline === '') return undefined;
  const cwd = await readlink(`/proc/${String(pid)}/cwd`).catch(() => undefined);
  return { argv: cmdline.split('\0').filter((a) => a !== ''), cwd };
}

/**
 * The folders found for the Janus the sentinel runs or watches, read again whenever its pid changes
 * (a restarted Janus may have been reconfigured); `configFile` stands in for a Janus it does not know.
 */
export class JanusRecordingDirs {
  private cached: { pid: number | undefined; dirs: Promise<string[]> } | undefined;

  constructor(private readonly source: { pid: () => number | undefined; configFile?: string | undefined }) {}

  current(): Promise<string[]> {
    const pid = this.source.pid();
    if (this.cached?.pid !== pid || this.cached === undefined) this.cached = { pid, dirs: this.find(pid) };
    return this.cached.dirs;
  }

  private async find(pid: number | undefined): Promise<string[]> {
    const launch = pid === undefined ? undefined : await launchOfPid(pid);
    if (launch) return janusRecordingDirs(launch);
    const { configFile } = this.source;
    return configFile === undefined ? [] : janusRecordingDirs({ argv: ['janus', '-C', configFile] });
  }
}
