// A "test host": a network namespace joined to the root namespace by a veth pair, set up exactly as in
// /work/shared/reference/janus-in-netns.md (arp_ignore, forwarding=0, no IPv6, no default route, guard route).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ownerAlive } from './temp-dirs.js';
import { ipSync, killPidSync, onCleanup, pollUntil, procComm, procStartTime } from './processes.js';

const execFileAsync = promisify(execFile);

export const TEST_NET = '10.213.0.0/16';
export const NETNS_PREFIX = 'jns-';
export const RECORD_DIR = join(tmpdir(), 'janus-cloud-netns');

export type TestHost = {
  ns: string;
  hostIf: string;
  nsIf: string;
  /** Root-side address (.1): what peers in the root namespace bind to. */
  rootAddress: string;
  /** Namespace-side address (.2): where Janus listens. */
  address: string;
  /** Take the namespace end down (host drops off the network) or back up (neighbour caches flushed). */
  setLinkUp(up: boolean): Promise<void>;
  /** Record a pid running in the namespace, so that `scripts/netns-cleanup.ts` can kill it later. */
  trackPid(pid: number): void;
  destroy(): Promise<void>;
};

/**
 * One JSON file per namespace, read by cleanupStaleTestHosts() when the owner has died. A test LAN
 * (test-lan.ts) records its bridge the same way, with `bridge` set and no namespace.
 */
export type TestHostRecord = {
  ns: string;
  hostIf: string;
  rootAddress: string;
  ownerPid: number;
  ownerStart: string | undefined;
  pids: number[];
  bridge?: string;
};

export async function ip(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('ip', args);
  return stdout;
}

export function ipv4ToInt(a: string): number {
  return a.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function overlaps(cidrA: string, cidrB: string): boolean {
  const [addrA = '', lenA = '32'] = cidrA.split('/');
  const [addrB = '', lenB = '32'] = cidrB.split('/');
  const len = Math.min(Number(lenA), Number(lenB));
  const size = 2 ** (32 - len);
  return Math.floor(ipv4ToInt(addrA) / size) === Math.floor(ipv4ToInt(addrB) / size);
}

/** Every IPv4 prefix in use: interface addresses and routes in all tables, except our own guard route. */
export async function prefixesInUse(): Promise<string[]> {
  const addrs = [...(await ip('-o', '-4', 'addr', 'show')).matchAll(/inet (\d+\.\d+\.\d+\.\d+\/\d+)/g)].map((m) => m[1] ?? '');
  const routes: string[] = [];
  for (const line of (await ip('-4', 'route', 'show', 'table', 'all')).split('\n')) {
    if (line.startsWith(`unreachable ${TEST_NET}`)) continue;
    const token = line.split(' ').slice(0, 2).find((t) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(t));
    if (token !== undefined) routes.push(token.includes('/') ? token : `${token}/32`);
  }
  return [...addrs, ...routes];
}

export function ensureGuardRoute(): void {
  const existing = execFileSync('ip', ['route', 'show', 'exact', TEST_NET], { encoding: 'utf8' });
  if (existing.trim() === '') ipSync('route', 'add', 'unreachable', TEST_NET); // a parallel process may win the race
}

/** Remove the guard only when no test namespace (of any process) is left. */
export function removeGuardIfUnused(): void {
  const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (!names.split('\n').some((l) => l.startsWith(NETNS_PREFIX))) ipSync('route', 'del', 'unreachable', TEST_NET);
}

export function recordPath(ns: string): string {
  return join(RECORD_DIR, `${ns}.json`);
}

export function writeRecord(record: TestHostRecord): void {
  mkdirSync(RECORD_DIR, { recursive: true });
  writeFileSync(recordPath(record.ns), JSON.stringify(record));
}

/** Synchronous teardown of one namespace: kill its recorded janus pids, delete veth + name, drop the record. */
export function teardownSync(record: TestHostRecord): void {
  if (record.bridge !== undefined) {
    ipSync('link', 'del', record.bridge);
    rmSync(recordPath(record.ns), { force: true });
    return;
  }
  const inNs = nsPids(record.ns);
  for (const pid of record.pids) {
    if (procComm(pid) === 'janus' && inNs.includes(pid)) killPidSync(pid, 'SIGKILL');
  }
  ipSync('link', 'del', record.hostIf);
  ipSync('netns', 'del', record.ns);
  rmSync(recordPath(record.ns), { force: true });
}

function nsPids(ns: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Tear down namespaces whose recorded owner process is dead (pid gone, or reused by another process). */
export function cleanupStaleTestHosts(): string[] {
  let files: string[];
  try {
    files = readdirSync(RECORD_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const removed: string[] = [];
  const stale: TestHostRecord[] = [];
  for (const file of files) {
    let record: TestHostRecord;
    try {
      record = JSON.parse(readFileSync(join(RECORD_DIR, file), 'utf8')) as TestHostRecord;
    } catch {
      continue; // half-written by a live owner, or garbage: leave it
    }
    if (!ownerAlive(record.ownerPid, record.ownerStart)) stale.push(record);
  }
  // Namespaces first, then the bridges of test LANs they were plugged into.
  stale.sort((a, b) => Number(a.bridge !== undefined) - Number(b.bridge !== undefined));
  for (const record of stale) {
    teardownSync(record);
    removed.push(record.bridge ?? record.ns);
  }
  if (removed.length > 0) removeGuardIfUnused();
  return removed;
}

let staleChecked = false;

/**
 * Takes a host's namespace end of its veth down or up (a host cut off the network, then back), and
 * waits until the root side sees the carrier change. `rootDev` is where the root side's neighbour
 * cache lives: the veth itself, or the bridge it is a port of.
 */
export async function setNamespaceLink(link: { ns: string; nsIf: string; hostIf: string; rootDev: string }, up: boolean): Promise<void> {
  await ip('-n', link.ns, 'link', 'set', link.nsIf, up ? 'up' : 'down');
  await pollUntil(`${link.hostIf} carrier ${up ? 'up' : 'down'}`, () => {
    const state = readFileSync(`/sys/class/net/${link.hostIf}/operstate`, 'utf8').trim();
    return (state === 'up') === up ? true : undefined;
  }, 5000, 10);
  if (up) {
    // Stale INCOMPLETE/FAILED entries would make the first new connection fail with EHOSTUNREACH.
    await ip('neigh', 'flush', 'dev', link.rootDev);
    await ip('-n', link.ns, 'neigh', 'flush', 'dev', link.nsIf);
  }
}

/** Names and addresses of a namespace host; `rootDev` holds its root-side neighbour cache (setNamespaceLink). */
export type TestHostLayout = { ns: string; hostIf: string; nsIf: string; rootAddress: string; address: string; rootDev: string };

/**
 * The life of a namespace host around its network `setup`: the record is written before anything
 * exists (a crash mid-setup still leaves a trace), cleanup is registered, a failed setup tears down
 * what it made and rethrows, and the host returned tears everything down once.
 */
export async function buildTestHost(layout: TestHostLayout, setup: () => Promise<void>, onDestroyed: () => void = () => undefined): Promise<TestHost> {
  const { ns, hostIf, nsIf, rootAddress, address, rootDev } = layout;
  const record: TestHostRecord = { ns, hostIf, rootAddress, ownerPid: process.pid, ownerStart: procStartTime(process.pid), pids: [] };
  writeRecord(record);
  const unregister = onCleanup(`netns ${ns}`, () => {
    teardownSync(record);
    removeGuardIfUnused();
  });
  try {
    await setup();
  } catch (err) {
    teardownSync(record);
    unregister();
    throw err;
  }
  let destroyed = false;
  return {
    ns, hostIf, nsIf, rootAddress, address,
    setLinkUp: (up) => setNamespaceLink({ ns, nsIf, hostIf, rootDev }, up),
    trackPid(pid) {
      record.pids.push(pid);
      writeRecord(record);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      unregister();
      teardownSync(record);
      removeGuardIfUnused();
      onDestroyed();
      await Promise.resolve();
    },
  };
}

export async function createTestHost(): Promise<TestHost> {
  if (!staleChecked) {
    staleChecked = true;
    cleanupStaleTestHosts();
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const host = await tryCreate();
    if (host) return host;
  }
  throw new Error(`could not find a free /30 in ${TEST_NET} after 20 attempts`);
}

async function tryCreate(): Promise<TestHost | undefined> {
  const id = randomBytes(3).toString('hex');
  const [ns, hostIf, nsIf] = [`${NETNS_PREFIX}${id}`, `jh-${id}`, `jn-${id}`];
  const n = randomInt(1, 16384); // index of the /30 inside the /16
  const base = `10.213.${n >> 6}.${(n & 63) * 4}`;
  const [rootAddress, address] = [`10.213.${n >> 6}.${(n & 63) * 4 + 1}`, `10.213.${n >> 6}.${(n & 63) * 4 + 2}`];
  if ((await prefixesInUse()).some((p) => overlaps(p, `${base}/30`))) return undefined;

  const COLLIDED = 'collided';
  try {
    return await buildTestHost({ ns, hostIf, nsIf, rootAddress, address, rootDev: hostIf }, async () => {
      await ip('netns', 'add', ns);
      ensureGuardRoute(); // after our namespace exists, so a concurrent "last user" keeps the guard
      await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns);
      await writeFile(`/proc/sys/net/ipv4/conf/${hostIf}/arp_ignore`, '1');
      await writeFile(`/proc/sys/net/ipv4/conf/${hostIf}/forwarding`, '0');
      await writeFile(`/proc/sys/net/ipv6/conf/${hostIf}/disable_ipv6`, '1');
      await execFileAsync('ip', ['netns', 'exec', ns, 'sysctl', '-qw',
        'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      await ip('addr', 'add', `${rootAddress}/30`, 'dev', hostIf);
      await ip('-n', ns, 'addr', 'add', `${address}/30`, 'dev', nsIf);
      await ip('link', 'set', hostIf, 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'link', 'set', nsIf, 'up');
      // Another process may have picked the same /30 between our check and our add.
      const listed = (await ip('-o', '-4', 'addr', 'show')).split('\n').filter((l) => l.includes(` inet ${rootAddress}/`));
      if (listed.length !== 1) throw new Error(COLLIDED);
    });
  } catch (err) {
    if (err instanceof Error && err.message === COLLIDED) return undefined;
    throw err;
  }
}
