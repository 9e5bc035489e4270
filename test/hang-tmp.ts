import { startJanusCluster } from './support/janus-fixture.js';
import { startRedis } from './support/redis-fixture.js';
const js = await startJanusCluster(2);
const r = await startRedis();
console.log('READY', js.map(j => j.pid).join(','), r.pid, js.map(j => j.testHost!.ns).join(','));
if (process.argv[2] === 'throw') setTimeout(() => { throw new Error('boom'); }, 100);
else setInterval(() => undefined, 1000);
