/**
 * Reads a V8 .cpuprofile (node --cpu-prof, e.g. from BENCH_CPU_PROFILE_DIR) and prints where the time
 * went: self time by function and by source file, and total (inclusive) time of the heaviest frames.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [top=40]
 */
import { readFileSync } from 'node:fs';

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [top]');
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const shortUrl = (url: string): string => url.replace(/^.*\/(bench-dist|node_modules)\//, '$1/').replace(/^file:\/\//, '');
const label = (f: CallFrame): string => `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
let totalUs = 0;
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
for (const [id, us] of selfUs) if (!idleIds.has(id)) totalUs += us;

const self = new Map<string, number>();
const files = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  if (idleIds.has(id)) continue;
  const node = byId.get(id);
  if (!node) continue;
  const key = label(node.callFrame);
  self.set(key, (self.get(key) ?? 0) + us);
  const f = shortUrl(node.callFrame.url) || `(${node.callFrame.functionName})`;
  files.set(f, (files.get(f) ?? 0) + us);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (!n) break;
    const k = label(n.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const print = (title: string, m: Map<string, number>): void => {
  process.stdout.write(`\n== ${title} (of ${(totalUs / 1000).toFixed(0)} ms busy)\n`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${k}\n`);
  }
};
print('self time by function', self);
print('self time by file', files);
print('total time by function', inclusive);
