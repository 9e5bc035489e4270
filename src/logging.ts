/**
 * pino loggers for the proxy and the sentinel: JSON lines by default (for log shippers), human-readable
 * when stdout is a terminal. Secrets are redacted wherever they appear in a logged object.
 */
import { pino, type Logger } from 'pino';

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
