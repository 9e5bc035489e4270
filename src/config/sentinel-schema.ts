/**
 * The sentinel's configuration: every key, its type and its default. Unknown keys are rejected with
 * their path. Times are milliseconds (`*_ms`) except `expire_s`, which is the report's wire unit.
 */
import { z } from 'zod';
import { commandLineSchema } from './sentinel-command.js';

const SERVER_NAME = /^[\w.-]{1,64}$/;
const wsUrl = z.string().regex(/^wss?:\/\/[^\s]+$/, 'a ws:// or wss:// URL');
const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL');
const ms = (min: number): z.ZodNumber => z.number().int().min(min);
const count = z.number().int().min(1);
const label = z.string().max(64);
/** As the proxy's admin API requires of its tokens. */
const token = z.string().min(8, 'at least 8 characters');

const capacitySchema = z.strictObject({
  max_sessions: count.optional(),
  max_handles: count.optional(),
  max_bandwidth_bps: count.optional(),
  /** CPU use (percent of one core) counted as full load; default 100 × the machine's cores. */
  max_cpu_percent: count.optional(),
});

const janusSchema = z.strictObject({
  server_name: z.string().regex(SERVER_NAME, 'letters, digits, _ . - (1 to 64)').optional(),
  public_url: wsUrl.optional(),
  ws_url: wsUrl.default('ws://127.0.0.1:8188'),
  admin_ws_url: wsUrl.optional(),
  api_secret: z.string().min(1).optional(),
  admin_secret: z.string().min(1).optional(),
  location: label.optional(),
  isp: label.optional(),
  region: label.optional(),
  capacity: capacitySchema.prefault({}),
});

const processSchema = z
  .strictObject({
    command: commandLineSchema.optional(),
    pid_file: z.string().min(1).optional(),
    log_file: z.string().min(1).optional(),
    restart_initial_delay_ms: ms(0).default(1_000),
    restart_max_delay_ms: ms(0).default(30_000),
    stable_uptime_ms: ms(0).default(60_000),
    stop_timeout_ms: ms(100).default(5_000),
    /** Janus gets SIGTERM if the sentinel dies, even by SIGKILL (needs util-linux setpriv). */
    stop_with_sentinel: z.boolean().default(true),
  })
  .refine((p) => !(p.command && p.pid_file), { message: 'set either command (supervise) or pid_file (watch), not both' });

const monitorSchema = z.strictObject({
  ping_interval_ms: ms(100).default(1_000),
  ping_timeout_ms: ms(100).default(1_500),
  overload_rtt_ms: ms(0).default(500),
  request_timeout_ms: ms(100).default(5_000),
  load_interval_ms: ms(200).default(5_000),
  max_sessions_per_sample: count.max(100_000).default(500),
  network_interfaces: z.array(z.string().min(1)).default([]),
});

const proxySchema = z.strictObject({ url: httpUrl, token });

const reportSchema = z.strictObject({
  interval_ms: ms(200).default(5_000),
  expire_s: z.number().int().min(1).max(86_400).default(15),
  timeout_ms: ms(100).default(3_000),
  proxies: z.array(proxySchema).default([]),
  redis: z
    .strictObject({
      url: z.string().regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL'),
      /** Must match the proxies' store.key_prefix. */
      key_prefix: z.string().default('janus-cloud:'),
    })
    .optional(),
});

const drainSchema = z.strictObject({
  timeout_ms: ms(0).default(60_000),
  poll_interval_ms: ms(50).default(1_000),
  on_stop: z.boolean().default(true),
});

/**
 * Recycling a supervised Janus that runs short of file descriptors (Janus 1.1.2 keeps the sockets
 * of every VideoRoom copy that carried media until it restarts): at fd_percent of its soft
 * RLIMIT_NOFILE it is drained and restarted; a watched Janus only gets a warning.
 */
const recycleSchema = z.strictObject({
  /** 0 turns it off. 80 leaves a fifth of the limit for what Janus opens while it drains. */
  fd_percent: z.number().int().min(0).max(100).default(80),
  /** At most one recycle per this long: fds still high after a restart are load, not a leak. */
  min_interval_ms: ms(0).default(3_600_000),
});

const sweeperSchema = z.strictObject({
  enabled: z.boolean().default(true),
  interval_ms: ms(100).default(30_000),
  idle_timeout_ms: ms(0).default(600_000),
  description_marker: z.string().min(1).default('janus-cloud:'),
  room_secret: z.string().min(1).optional(),
  admin_key: z.string().min(1).optional(),
  plugins: z.array(z.enum(['videoroom', 'audiobridge'])).default(['videoroom', 'audiobridge']),
});

const adminApiSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8200),
    token: token.optional(),
    /** The URL proxies reach this API at (recordings); default: http://<host>:<port>. */
    public_url: httpUrl.optional(),
  })
  .refine((a) => !a.enabled || a.token !== undefined, { message: 'token is required when the admin API is enabled', path: ['token'] });

/** Recordings of this Janus: indexed, post-processed with janus-pp-rec, served by the REST API. */
const recordingsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Folders Janus records into, besides those found in its own config (find_dirs). */
  dirs: z.array(z.string().min(1)).default([]),
  /** Also scan the folders named in the config of the Janus this sentinel runs or watches (and its working directory). */
  find_dirs: z.boolean().default(true),
  /** janus.jcfg of a Janus this sentinel neither runs nor watches, for find_dirs. */
  janus_config: z.string().min(1).optional(),
  /** Where results and logs go; default: next to each .mjr. */
  output_dir: z.string().min(1).optional(),
  /** A copy of every converted file goes here too. */
  collect_dir: z.string().min(1).optional(),
  /** Delete the .mjr once converted. */
  delete_mjr: z.boolean().default(false),
  scan_interval_ms: ms(100).default(5_000),
  /** A file unchanged this long is complete (Janus has closed it). */
  complete_after_ms: ms(0).default(10_000),
  max_files: count.default(10_000),
  janus_pp_rec: z.string().min(1).default('janus-pp-rec'),
  /** Also mux each participant's audio and video into one file (ffmpeg, stream copy). */
  mux: z.boolean().default(false),
  ffmpeg: z.string().min(1).default('ffmpeg'),
  workers: count.max(64).default(2),
  timeout_ms: ms(1_000).default(300_000),
});

export const sentinelConfigSchema = z
  .strictObject({
    janus: janusSchema.prefault({}),
    process: processSchema.prefault({}),
    monitor: monitorSchema.prefault({}),
    report: reportSchema.prefault({}),
    drain: drainSchema.prefault({}),
    recycle: recycleSchema.prefault({}),
    sweeper: sweeperSchema.prefault({}),
    admin_api: adminApiSchema.prefault({}),
    recordings: recordingsSchema.prefault({}),
    log: z
      .strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.report.proxies.length === 0 && !c.report.redis) {
      ctx.addIssue({ code: 'custom', path: ['report', 'proxies'], message: 'configure at least one proxy (or report.redis)' });
    }
    // A record must outlive at least two report intervals, or it flickers out between reports.
    if (c.report.expire_s * 1000 < 2 * c.report.interval_ms) {
      ctx.addIssue({ code: 'custom', path: ['report', 'expire_s'], message: 'must be at least twice report.interval_ms' });
    }
  });

export type SentinelConfig = z.infer<typeof sentinelConfigSchema>;
export type SentinelConfigInput = z.input<typeof sentinelConfigSchema>;
