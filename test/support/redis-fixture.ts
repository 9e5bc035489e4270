// A throwaway redis-server on loopback: no persistence, private temp dir, stopped by pid.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { makeTempDir, recordChild } from './temp-dirs.js';
import { freePort, onCleanup, pollUntil, stopperFor, trackChild } from './processes.js';

export type RedisInstance = { url: string; port: number; pid: number; dir: string; stop(): Promise<void> };

export type RespValue = string | number | null | RespValue[];

/** One command over a raw RESP connection (no client library); rejects on a RESP error or after timeoutMs. */
export function redisCommand(port: number, args: string[], timeoutMs = 1000): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    const done = (err: Error | undefined, value: RespValue = null): void => {
      socket.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    socket.setTimeout(timeoutMs, () => { done(new Error(`redis ${args.join(' ')}: timeout`)); });
    socket.on('error', (err) => { done(err); });
    socket.on('connect', () => {
      socket.write(`*${String(args.length)}\r\n${args.map((a) => `$${String(Buffer.byteLength(a))}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseResp(buffer, 0);
      if (parsed === undefined) return; // incomplete, wait for more
      if (parsed.value instanceof Error) done(parsed.value);
      else done(undefined, parsed.value);
    });
  });
}

/** Parse one RESP2 value at `at`; undefined when the buffer does not hold all of it yet. */
function parseResp(buf: Buffer, at: number): { value: RespValue | Error; next: number } | undefined {
  const end = buf.indexOf('\r\n', at);
  if (end < 0) return undefined;
  const type = String.fromCharCode(buf[at] ?? 0);
  const line = buf.toString('utf8', at + 1, end);
  const next = end + 2;
  if (type === '+') return { value: line, next };
  if (type === ':') return { value: Number(line), next };
  if (type === '-') return { value: new Error(line), next };
  const len = Number(line);
  if (type === '$') {
    if (len < 0) return { value: null, next };
    return buf.length >= next + len + 2 ? { value: buf.toString('utf8', next, next + len), next: next + len + 2 } : undefined;
  }
  if (type !== '*') return { value: new Error(`unexpected RESP type ${type}`), next };
  if (len < 0) return { value: null, next };
  const items: RespValue[] = [];
  let pos = next;
  for (let i = 0; i < len; i++) {
    const item = parseResp(buf, pos);
    if (item === undefined) return undefined;
    if (item.value instanceof Error) return item;
    items.push(item.value);
    pos = item.next;
  }
  return { value: items, next: pos };
}

export type RedisOptions = {
  /** Start as a replica of the primary on this loopback port (`--replicaof`). */
  replicaOf?: number;
};

export async function startRedis(options: RedisOptions = {}): Promise<RedisInstance> {
  return withPortRetry(async () => {
    const port = await freePort();
    const extra = options.replicaOf === undefined ? [] : ['--replicaof', '127.0.0.1', String(options.replicaOf)];
    return startRedisProcess(port, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...extra]);
  });
}

/** Retries `start` when another process took the port between freePort() and bind(). */
export async function withPortRetry<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error) || !err.message.includes('Address already in use')) throw err;
    }
  }
}

/**
 * A redis-server (or, with `--sentinel` in `args`, a sentinel) on `port` with `args`, in a private
 * temp dir (`{dir}` in args is replaced by it); resolves once it answers PING.
 */
export async function startRedisProcess(port: number, args: string[], prepare?: (dir: string) => void): Promise<RedisInstance> {
  const dir = makeTempDir('redis');
  prepare?.(dir);
  const logPath = join(dir, 'redis.log');
  const fd = openSync(logPath, 'a');
  const child = spawn('redis-server', [...args.map((a) => a.replaceAll('{dir}', dir)), '--dir', dir], { cwd: dir, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server: spawn failed');
  recordChild(dir, pid, 'redis-server');
  child.unref();
  child.on('error', () => undefined);
  const unregisterDir = onCleanup(`rm ${dir}`, () => { rmSync(dir, { recursive: true, force: true }); });
  trackChild(child, `redis pid ${String(pid)}`);

  const stop = stopperFor(child, dir, unregisterDir);

  try {
    await pollUntil(`redis on port ${String(port)}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`redis-server exited: ${existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-2000) : ''}`);
      }
      return (await redisCommand(port, ['PING']).catch(() => undefined)) === 'PONG' ? true : undefined;
    }, 10_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `redis://127.0.0.1:${String(port)}`, port, pid, dir, stop };
}
