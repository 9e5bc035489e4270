// Issue #16's targets for janus-load, measured: two Janus 1.1.2 in network namespaces on one test LAN
// and the proxy (in this process) in front of both; `echotest --peers 20` and `videoroom --publishers 4
// --subscribers 8`, each against one Janus directly and through the proxy. Every run must end with
// 0 failed peers, loss < 1 % in both directions (received: our counters; sent: Janus's RTCP), and the
// report's split over the Janus servers equal to each Janus's own Admin API list_sessions (taken while
// the run holds its peers). Prints a Markdown table (the README's capacity section) and exits 1 when a
// target is missed.
//
//   node --import tsx scripts/load-targets.ts [--duration 15] [--small]
//
// `--small` (6 peers, 2 × 3) is what test/integration/janus-load-targets.test.ts runs in CI.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Report } from '../src/load/stats.js';
import { sessionsWithHandles } from '../test/support/cluster-helpers.js';
import { startJanusCluster, type JanusInstance } from '../test/support/janus-fixture.js';
import { runCleanupsSync, trackChild } from '../test/support/processes.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../test/support/proxy-fixture.js';

export type TargetSizes = { echoPeers: number; publishers: number; subscribers: number; durationS: number };
export const FULL_SIZES: TargetSizes = { echoPeers: 20, publishers: 4, subscribers: 8, durationS: 15 };
export const SMALL_SIZES: TargetSizes = { echoPeers: 6, publishers: 2, subscribers: 3, durationS: 3 };

export type TargetResult = {
  name: string;
  report: Report;
  /** Sessions holding a handle on each Janus (its Admin API), while the run held its peers. */
  onJanus: number[];
  /** CPU of each Janus and of this process (the proxy, when it is used) over the run, % of one core. */
  janusCpuPct: number[];
  proxyCpuPct: number | null;
  /** Targets missed; empty when the run meets them all. */
  problems: string[];
};

const CLI = fileURLToPath(new URL('../src/cli/janus-load.ts', import.meta.url));
const CLK_TCK = 100;

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Runs janus-load as a process; `atRun` is called once every peer is set up (the run then holds them). */
async function runLoad(args: string[], atRun: () => Promise<void>): Promise<{ code: number; report: Report }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args, '--json', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child, 'janus-load');
  let out = '';
  let err = '';
  // Settled at once (a rejection while the run goes on is thrown once it has ended, never unhandled).
  let running: Promise<{ error?: unknown }> | undefined;
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    if (!running && /\[run\]/.test(err)) running = atRun().then(() => ({}), (error: unknown) => ({ error }));
  });
  const code = await new Promise<number>((resolve) => { child.on('exit', (c) => { resolve(c ?? 1); }); });
  const during = await running;
  if (during?.error !== undefined) throw during.error instanceof Error ? during.error : new Error(JSON.stringify(during.error));
  try {
    return { code, report: JSON.parse(out) as Report };
  } catch {
    throw new Error(`janus-load gave no report (exit ${String(code)}): ${out}\n${err}`);
  }
}

/** The targets of one run: what is wrong with it, if anything. */
function problemsOf(r: { code: number; report: Report }, onJanus: number[], expected: { direct: string | undefined; janus: JanusInstance[]; controls: number }): string[] {
  const { report } = r;
  const problems: string[] = [];
  if (r.code !== 0) problems.push(`exit status ${String(r.code)}`);
  if (report.peers.failed > 0 || report.peers.connected !== report.peers.planned) problems.push(`peers ${JSON.stringify(report.peers)}`);
  if (report.loss_pct === null || report.loss_pct >= 1) problems.push(`received loss ${String(report.loss_pct)} %`);
  const sent = report.directions.sent;
  if (sent.loss_pct === null || sent.loss_pct >= 1 || sent.reported_streams !== sent.streams) problems.push(`sent loss (RTCP) ${String(sent.loss_pct)} % over ${String(sent.reported_streams)}/${String(sent.streams)} reported streams`);
  if (report.packets.wrong_stream > 0) problems.push(`${String(report.packets.wrong_stream)} packets of the wrong stream`);
  const total = onJanus.reduce((a, b) => a + b, 0);
  if (total !== report.peers.planned + expected.controls) problems.push(`Janus list ${String(total)} sessions with handles for ${String(report.peers.planned)} peers + ${String(expected.controls)} control`);
  if (expected.direct !== undefined) {
    // Direct: every peer on that Janus, by the address its media flows to, and the Janus's own list.
    const host = expected.direct;
    if ((report.backends[host] ?? 0) !== report.peers.planned) problems.push(`backends ${JSON.stringify(report.backends)}`);
  } else {
    // Through the proxy: its admin API's split (peers and control sessions) equal to each Janus's list.
    // A VideoRoom control handle that only sent `create` is listed with no backend ("unplaced") by the
    // proxy while a Janus holds a session with a handle for it: it may sit on either Janus, no more.
    const split = expected.janus.map((j) => report.proxy_backends?.[j.name] ?? 0);
    const unplaced = report.proxy_backends?.unplaced ?? 0;
    const extra = onJanus.map((n, i) => n - (split[i] ?? 0));
    if (extra.some((n) => n < 0) || extra.reduce((a, b) => a + b, 0) !== unplaced) {
      problems.push(`proxy split ${JSON.stringify(report.proxy_backends)} (${String(report.proxy_backends_error)}) but Janus list ${JSON.stringify(onJanus)}`);
    }
    const bySdp = expected.janus.map((j) => report.backends[j.host] ?? 0);
    if (bySdp.reduce((a, b) => a + b, 0) !== report.peers.planned || bySdp.some((n, i) => n > (onJanus[i] ?? 0))) problems.push(`SDP split ${JSON.stringify(bySdp)} against Janus list ${JSON.stringify(onJanus)}`);
  }
  return problems;
}

async function measure(name: string, args: string[], janus: JanusInstance[], direct: JanusInstance | undefined, controls: number): Promise<TargetResult> {
  let onJanus: number[] = [];
  const cpuBefore = janus.map((j) => cpuSeconds(j.pid));
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const run = await runLoad(args, async () => { onJanus = await Promise.all(janus.map(async (j) => (await sessionsWithHandles(j)).length)); });
  const wallS = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownBefore);
  return {
    name,
    report: run.report,
    onJanus,
    janusCpuPct: janus.map((j, i) => Math.round(((cpuSeconds(j.pid) - (cpuBefore[i] ?? 0)) / wallS) * 100)),
    proxyCpuPct: direct ? null : Math.round(((own.user + own.system) / 1e6 / wallS) * 100),
    problems: problemsOf(run, onJanus, { direct: direct?.host, janus, controls }),
  };
}

/** Starts two Janus and the proxy, runs the four target runs in turn, stops everything. */
export async function runTargets(sizes: TargetSizes, log: (line: string) => void = () => undefined): Promise<TargetResult[]> {
  const janus = await startJanusCluster(2, { lan: true, plugins: ['echotest', 'videoroom'], videoroom: {} });
  let proxy: TestProxy | undefined;
  try {
    proxy = await startTestProxy(janus);
    const peerAddress = janus[0]?.peerAddress ?? '';
    const common = ['--ice-address', peerAddress, '--ramp', '10', '--duration', String(sizes.durationS)];
    const echo = ['--scenario', 'echotest', '--peers', String(sizes.echoPeers)];
    const room = ['--scenario', 'videoroom', '--rooms', '1', '--publishers', String(sizes.publishers), '--subscribers', String(sizes.subscribers)];
    const viaProxy = ['--url', proxy.url, '--admin-url', proxy.adminUrl ?? '', '--admin-token', TEST_ADMIN_TOKEN];
    const direct = ['--url', janus[0]?.wsUrl ?? ''];
    const runs: [string, string[], JanusInstance | undefined, number][] = [
      [`echotest ${String(sizes.echoPeers)} peers, direct`, [...direct, ...echo], janus[0], 0],
      [`echotest ${String(sizes.echoPeers)} peers, via proxy`, [...viaProxy, ...echo], undefined, 0],
      [`videoroom ${String(sizes.publishers)} pub × ${String(sizes.subscribers)} sub, direct`, [...direct, ...room], janus[0], 1],
      [`videoroom ${String(sizes.publishers)} pub × ${String(sizes.subscribers)} sub, via proxy`, [...viaProxy, ...room], undefined, 1],
    ];
    const results: TargetResult[] = [];
    for (const [name, args, target, controls] of runs) {
      log(`running ${name}…`);
      const result = await measure(name, [...common, ...args], janus, target, controls);
      log(`${name}: ${result.problems.length === 0 ? 'all targets met' : result.problems.join('; ')}`);
      results.push(result);
    }
    return results;
  } finally {
    await proxy?.stop();
    await Promise.all(janus.map((j) => j.stop()));
  }
}

/** The README's table: one row per run. */
export function markdownTable(results: readonly TargetResult[]): string {
  const rows = results.map((r) => {
    const p = r.report;
    const split = r.onJanus.join(' + ');
    return `| ${r.name} | ${String(p.peers.connected)}/${String(p.peers.planned)} | ${String(p.peers.failed)} | ${String(p.loss_pct)} % / ${String(p.directions.sent.loss_pct)} % `
      + `| ${String(p.directions.received.jitter_ms.p50)} / ${String(p.directions.sent.jitter_ms.p50)} | ${String(p.first_rtp_ms.p50)} / ${String(p.first_rtp_ms.p95)} `
      + `| ${split} | ${JSON.stringify(p.proxy_backends ?? p.backends).replace(/"/g, '')} | ${r.janusCpuPct.join(' + ')} % | ${r.proxyCpuPct === null ? '-' : `${String(r.proxyCpuPct)} %`} `
      + `| ${p.cpu.per_process_pct.join(' + ')} % | ${r.problems.length === 0 ? 'met' : r.problems.join('; ')} |`;
  });
  return [
    '| Run | Connected | Failed | Loss received / sent (RTCP) | Jitter p50 ms received / sent | First RTP p50 / p95 ms | Janus list_sessions (1 + 2) | Report\'s split | Janus CPU | Proxy CPU | Generator CPU | Targets |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, small: { type: 'boolean' } } });
  const base = values.small ? SMALL_SIZES : FULL_SIZES;
  const sizes = { ...base, durationS: values.duration === undefined ? base.durationS : Number(values.duration) };
  const results = await runTargets(sizes, (line) => { process.stderr.write(`${line}\n`); });
  process.stdout.write(`${new Date().toISOString()}\n${markdownTable(results)}\n`);
  return results.every((r) => r.problems.length === 0) ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.on('exit', runCleanupsSync);
  main().then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
