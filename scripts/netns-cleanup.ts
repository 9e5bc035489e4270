// Removes test namespaces left behind by test processes that died without cleaning up
// (their records live in os.tmpdir()/janus-cloud-netns/). Live owners' namespaces are left alone.
// Usage: node --import tsx scripts/netns-cleanup.ts
import { execFileSync } from 'node:child_process';
import { cleanupStaleTestHosts, NETNS_PREFIX, RECORD_DIR } from '../test/support/netns.js';

const removed = cleanupStaleTestHosts();
console.log(removed.length > 0 ? `removed: ${removed.join(', ')}` : `nothing stale in ${RECORD_DIR}`);

const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  .split('\n')
  .map((line) => line.split(' ')[0] ?? '')
  .filter((name) => name.startsWith(NETNS_PREFIX));
if (left.length > 0) console.log(`still present (owner alive, or no record): ${left.join(', ')}`);
