// Private temp dirs for Janus/Redis fixtures. Each holds owner.json (who created it, which child runs
// in it), so scripts/netns-cleanup.ts can kill the child and remove the dir after the owner died.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isGoneOrZombie, killPidSync, procComm, procStartTime } from './processes.js';

export const TEMP_PREFIX = 'janus-cloud-';

type OwnerFile = { ownerPid: number; ownerStart: string | undefined; child?: { pid: number; start: string | undefined; comm: string } };

/** True while the process that wrote (pid, start) is running; a reused pid has another start time. */
export function ownerAlive(pid: number, start: string | undefined): boolean {
  return !isGoneOrZombie(pid) && procStartTime(pid) === start;
}

let staleChecked = false;

export function makeTempDir(kind: 'janus' | 'redis' | 'haproxy'): string {
  if (!staleChecked) {
    staleChecked = true;
    cleanupStaleTempDirs(); // leftovers of test processes that were SIGKILLed
  }
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_PREFIX}${kind}-`));
  const owner: OwnerFile = { ownerPid: process.pid, ownerStart: procStartTime(process.pid) };
  writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
  return dir;
}

/** Record the child running from `dir`; `comm` is the executable name it will have (janus, redis-server, haproxy). */
export function recordChild(dir: string, pid: number, comm: string): void {
  const owner: OwnerFile = {
    ownerPid: process.pid, ownerStart: procStartTime(process.pid), child: { pid, start: procStartTime(pid), comm },
  };
  writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
}

/** Kill the children of dead owners (only if pid, start time and name still match) and remove their dirs. */
export function cleanupStaleTempDirs(): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(TEMP_PREFIX))) {
    const dir = join(tmpdir(), name);
    let owner: OwnerFile;
    try {
      owner = JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as OwnerFile;
    } catch {
      continue; // not ours (e.g. the netns record dir) or being written
    }
    if (ownerAlive(owner.ownerPid, owner.ownerStart)) continue;
    const child = owner.child;
    if (child && procStartTime(child.pid) === child.start && procComm(child.pid) === child.comm) killPidSync(child.pid);
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
