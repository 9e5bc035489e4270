/**
 * pino loggers for the proxy and the sentinel: JSON lines by default (for log shippers), human-readable
 * when stdout is a terminal. Secrets are redacted wherever they appear in a logged object.
 */
import { pino, type Bindings, type Level, type Logger } from 'pino';

const SECRET_KEYS = ['apisecret', 'api_secret', 'token', 'admin_key', 'admin_secret', 'secret', 'pin', 'authorization', 'backend_room_secret'];
export const REDACTED_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), ...SECRET_KEYS.map((k) => `*.*.${k}`)];

export interface LoggerOptions {
  level: string;
  name: string;
  /** Force pretty (true) or JSON (false) output; default: pretty on a terminal. */
  pretty?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY;
  return pino({
    name: options.name,
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {}),
  });
}

/**
 * A child logger made on first use. pino's child() serializes and redacts its bindings at once,
 * which costs more than relaying a request, and most sessions and handles never log a line.
 */
export class LazyLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger | LazyLogger,
    private readonly bindings: Bindings,
  ) {}

  get logger(): Logger {
    return (this.made ??= (this.parent instanceof LazyLogger ? this.parent.logger : this.parent).child(this.bindings));
  }

  /** Whether a line at `level` would be written, asked without making the child. */
  enabled(level: Level): boolean {
    return this.parent instanceof LazyLogger ? this.parent.enabled(level) : this.parent.isLevelEnabled(level);
  }
}
