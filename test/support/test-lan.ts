// A test LAN: one Linux bridge in the root namespace and any number of test hosts (network namespaces)
// plugged into it by veth pairs, all in one /24 out of 10.213.0.0/16 (root side .1 on the bridge, hosts
// .2, .3, ...). Unlike the point-to-point hosts of netns.ts, hosts on one LAN reach each other, which
// Janus-to-Janus RTP (VideoRoom remote publishers) needs. The protections of
// /work/shared/reference/janus-in-netns.md are kept, adapted to a bridge: arp_ignore=1 and forwarding=0
// on the bridge (the root answers ARP only for .1 and routes nothing), IPv6 off everywhere, no default
// route in the namespaces, the guard route, and a record per bridge and per namespace for cleanup.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import {
  buildTestHost, cleanupStaleTestHosts, ensureGuardRoute, ip, NETNS_PREFIX, overlaps, prefixesInUse, teardownSync,
  writeRecord, type TestHost, type TestHostRecord,
} from './netns.js';
import { onCleanup, procStartTime } from './processes.js';

const BRIDGE_PREFIX = 'jb-';
const MAX_HOSTS = 250;

export type TestLan = {
  bridge: string;
  /** The bridge's address (.1): what werift peers in the root namespace bind to. */
  rootAddress: string;
  /** A new host on this LAN, with the next free address (.2, .3, ...). */
  addHost(): Promise<TestHost>;
  /** Destroys every host still on the LAN, then the bridge. Idempotent. */
  destroy(): Promise<void>;
};

async function sysctl(path: string, value: string): Promise<void> {
  await writeFile(`/proc/sys/net/${path}`, value);
}

function addressListedOnce(address: string): boolean {
  const out = execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(` inet ${address}/`)).length === 1;
}

/** Creates the bridge on a free /24; undefined when the random pick collided (try again). */
async function tryCreateBridge(): Promise<{ record: TestHostRecord; prefix: string; unregister: () => void } | undefined> {
  const id = randomBytes(3).toString('hex');
  const bridge = `${BRIDGE_PREFIX}${id}`;
  const prefix = `10.213.${randomInt(0, 256)}`;
  if ((await prefixesInUse()).some((p) => overlaps(p, `${prefix}.0/24`))) return undefined;
  const rootAddress = `${prefix}.1`;
  const record: TestHostRecord = {
    ns: bridge, hostIf: bridge, rootAddress, ownerPid: process.pid, ownerStart: procStartTime(process.pid), pids: [], bridge,
  };
  writeRecord(record);
  const unregister = onCleanup(`bridge ${bridge}`, () => { teardownSync(record); });
  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await sysctl(`ipv4/conf/${bridge}/arp_ignore`, '1');
    await sysctl(`ipv4/conf/${bridge}/forwarding`, '0');
    await sysctl(`ipv6/conf/${bridge}/disable_ipv6`, '1');
    await ip('addr', 'add', `${rootAddress}/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    if (!addressListedOnce(rootAddress)) throw new Error(`address ${rootAddress} collided`);
  } catch (err) {
    teardownSync(record);
    unregister();
    if (err instanceof Error && err.message.endsWith('collided')) return undefined;
    throw err;
  }
  return { record, prefix, unregister };
}

export async function createTestLan(): Promise<TestLan> {
  cleanupStaleTestHosts();
  let created: Awaited<ReturnType<typeof tryCreateBridge>>;
  for (let attempt = 0; attempt < 20 && !created; attempt++) created = await tryCreateBridge();
  if (!created) throw new Error('could not find a free /24 in 10.213.0.0/16 after 20 attempts');
  const { record: bridgeRecord, prefix, unregister: unregisterBridge } = created;
  const bridge = bridgeRecord.hostIf;
  const hosts = new Set<TestHost>();
  let nextIndex = 2;
  let destroyed = false;

  const addHost = async (): Promise<TestHost> => {
    if (destroyed) throw new Error(`test LAN ${bridge} is destroyed`);
    if (nextIndex > MAX_HOSTS) throw new Error(`test LAN ${bridge} is full`);
    const index = nextIndex++;
    const host = await createLanHost(bridge, prefix, index, () => { hosts.delete(host); });
    hosts.add(host);
    return host;
  };

  return {
    bridge,
    rootAddress: bridgeRecord.rootAddress,
    addHost,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const host of [...hosts]) await host.destroy();
      teardownSync(bridgeRecord);
      unregisterBridge();
    },
  };
}

function createLanHost(bridge: string, prefix: string, index: number, onDestroyed: () => void): Promise<TestHost> {
  const id = randomBytes(3).toString('hex');
  const [ns, hostIf, nsIf] = [`${NETNS_PREFIX}${id}`, `jl-${id}`, `jn-${id}`];
  const address = `${prefix}.${index}`;
  const rootAddress = `${prefix}.1`;
  return buildTestHost({ ns, hostIf, nsIf, rootAddress, address, rootDev: bridge }, async () => {
    await ip('netns', 'add', ns);
    ensureGuardRoute();
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns);
    await sysctl(`ipv6/conf/${hostIf}/disable_ipv6`, '1');
    await sysctl(`ipv4/conf/${hostIf}/forwarding`, '0');
    await ip('link', 'set', hostIf, 'master', bridge);
    await ip('link', 'set', hostIf, 'up');
    await ip('netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', nsIf);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
    await ip('-n', ns, 'link', 'set', nsIf, 'up');
  }, onDestroyed);
}
