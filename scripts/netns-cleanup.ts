// Removes what test processes left behind when they died without cleaning up (SIGKILL, OOM):
// namespaces recorded in os.tmpdir()/janus-cloud-netns/, and fixture temp dirs with their janus /
// redis-server child. Anything whose owner process is still running is left alone.
// Usage: node --import tsx scripts/netns-cleanup.ts
import { execFileSync } from 'node:child_process';
import { cleanupStaleTestHosts, NETNS_PREFIX, RECORD_DIR } from '../test/support/netns.js';
import { cleanupStaleTempDirs } from '../test/support/temp-dirs.js';

const removed = cleanupStaleTestHosts();
const dirs = cleanupStaleTempDirs();
if (dirs.length > 0) console.log(`removed temp dirs (and killed their janus/redis-server): ${dirs.join(', ')}`);
console.log(removed.length > 0 ? `removed: ${removed.join(', ')}` : `nothing stale in ${RECORD_DIR}`);

const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  .split('\n')
  .map((line) => line.split(' ')[0] ?? '')
  .filter((name) => name.startsWith(NETNS_PREFIX));
if (left.length > 0) console.log(`still present (owner alive, or no record): ${left.join(', ')}`);
