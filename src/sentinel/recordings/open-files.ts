/**
 * The recordings a running Janus holds open, read from /proc/<pid>/fd: the precise sign that a file
 * is still being written. A recorder's file exists (empty, or with the magic alone) from the moment a
 * recording is asked for, and can stay unchanged for a long time before the first packet arrives (ICE,
 * DTLS), so "unchanged for a while" alone would take it for finished.
 * Files are told by device and inode, which survive symlinks and relative paths.
 */
import { readdir, readlink, stat } from 'node:fs/promises';

export function fileKey(info: { dev: number; ino: number }): string {
  return `${String(info.dev)}:${String(info.ino)}`;
}

/** Keys of the `.mjr` files `pid` has open, or undefined when its fds cannot be read (gone, not ours). */
export async function openRecordings(pid: number): Promise<Set<string> | undefined> {
  const fdDir = `/proc/${String(pid)}/fd`;
  const fds = await readdir(fdDir).catch(() => undefined);
  if (fds === undefined) return undefined;
  const keys = new Set<string>();
  await Promise.all(fds.map(async (fd) => {
    const target = await readlink(`${fdDir}/${fd}`).catch(() => '');
    if (!target.includes('.mjr')) return; // sockets, logs, pipes: most of a busy Janus's fds
    const info = await stat(`${fdDir}/${fd}`).catch(() => undefined);
    if (info) keys.add(fileKey(info));
  }));
  return keys;
}
