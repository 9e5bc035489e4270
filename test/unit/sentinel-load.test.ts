import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { MIN_RATE_SPAN_MS, parseBootTimeS, parseCpuTicks, parseNetDev, parseStartTicks, parseVmRssBytes, ratesBetween, type ProcSample } from '../../src/sentinel/proc-stats.js';
import { LoadSampler } from '../../src/sentinel/load.js';
import { loadScore } from '../../src/sentinel/load-score.js';
import { SessionCounter, type SessionLister } from '../../src/sentinel/session-counts.js';
import { buildReport, type ReportInputs } from '../../src/sentinel/sentinel-report.js';
import { serverReportSchema } from '../../src/protocol/server-record.js';
import { JanusError } from '../../src/protocol/errors.js';

// /proc/PID/stat of a Janus whose comm contains a space and a parenthesis: fields are counted after the last ')'.
const STAT = '4242 (jan us)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 30 0 777000 900000000 5000 18446744073709551615';
const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 9999999     100    0    0    0     0          0         0  9999999     100    0    0    0     0       0          0
  eth0: 1000000    2000    0    0    0     0          0         0   500000    1000    0    0    0     0       0          0
  eth1:    2000      20    0    0    0     0          0         0     3000      30    0    0    0     0       0          0
`;

describe('sentinel /proc figures', () => {
  it('parses CPU ticks, start ticks, resident memory and boot time', () => {
    assert.equal(parseCpuTicks(STAT), 300);
    assert.equal(parseStartTicks(STAT), 777_000);
    assert.equal(parseVmRssBytes('Name:\tjanus\nVmRSS:\t   20480 kB\nVmSwap:\t0 kB\n'), 20_971_520);
    assert.equal(parseVmRssBytes('Name:\tzombie\n'), undefined);
    assert.equal(parseBootTimeS('cpu  1 2 3\nbtime 1700000000\nprocesses 5\n'), 1_700_000_000);
  });

  it('sums network bytes over every interface but loopback, or over the chosen ones', () => {
    assert.deepEqual(parseNetDev(NET_DEV, []), { rxBytes: 1_002_000, txBytes: 503_000 });
    assert.deepEqual(parseNetDev(NET_DEV, ['eth1']), { rxBytes: 2_000, txBytes: 3_000 });
  });

  it('turns two samples of one process into CPU percent and bits per second', () => {
    const a: ProcSample = { pid: 1, atMs: 0, cpuTicks: 100, rssBytes: 1, net: { rxBytes: 0, txBytes: 1_000 } };
    const b: ProcSample = { pid: 1, atMs: 2_000, cpuTicks: 400, rssBytes: 1, net: { rxBytes: 250_000, txBytes: 1_000 } };
    // 300 ticks at 100/s over 2 s = 1.5 s of CPU in 2 s = 150 % (one and a half cores).
    assert.deepEqual(ratesBetween(a, b, 100), { cpuPercent: 150, rxBps: 1_000_000, txBps: 0 });
    assert.equal(ratesBetween(a, { ...b, pid: 2 }, 100), undefined, 'a restarted Janus gives no rate');
    assert.equal(ratesBetween(a, { ...b, atMs: 0 }, 100), undefined);
  });

  it('gives no rate for samples closer than MIN_RATE_SPAN_MS: one clock tick in 5 ms is not two cores', () => {
    const a: ProcSample = { pid: 1, atMs: 1_000, cpuTicks: 100, rssBytes: 1, net: undefined };
    assert.equal(ratesBetween(a, { ...a, atMs: 1_005, cpuTicks: 101 }, 100), undefined);
    assert.equal(ratesBetween(a, { ...a, atMs: 1_000 + MIN_RATE_SPAN_MS, cpuTicks: 110 }, 100)?.cpuPercent, 100);
  });

  it('a sample taken right after another shows the last full span\'s CPU, and the next one measures from the earlier sample', async () => {
    const sampler = new LoadSampler({ counter: undefined, pid: () => process.pid, networkInterfaces: [], capacity: { maxCpuPercent: 200 }, intervalMs: 1_000, logger: pino({ level: 'silent' }) });
    assert.equal((await sampler.sampleNow()).cpu_percent, undefined, 'one sample: no rate yet');
    await sleep(MIN_RATE_SPAN_MS + 50);
    const full = (await sampler.sampleNow()).cpu_percent;
    assert.equal(typeof full, 'number');
    const busyUntil = Date.now() + 20;
    while (Date.now() < busyUntil) { /* a few clock ticks of CPU in a span far shorter than MIN_RATE_SPAN_MS */ }
    assert.equal((await sampler.sampleNow()).cpu_percent, full, 'too short a span: the last full span\'s rate');
    await sleep(MIN_RATE_SPAN_MS + 50);
    const next = (await sampler.sampleNow()).cpu_percent;
    assert.ok(next !== undefined && next >= 0 && next <= 200, `CPU over a full span: ${String(next)}`);
  });
});

describe('sentinel load score', () => {
  const capacity = { maxSessions: 100, maxHandles: 200, maxBandwidthBps: 1_000_000, maxCpuPercent: 400 };
  it('is the highest utilisation, clamped to 0..1', () => {
    assert.equal(loadScore({ sessions: 10, handles: 100, cpu_percent: 40 }, capacity), 0.5);
    assert.equal(loadScore({ sessions: 10, bandwidth_in_bps: 600_000, bandwidth_out_bps: 300_000 }, capacity), 0.9);
    assert.equal(loadScore({ cpu_percent: 800 }, capacity), 1);
    assert.equal(loadScore({ sessions: 0, handles: 0, cpu_percent: 0 }, capacity), 0);
  });
  it('ignores figures without a capacity, and is undefined when nothing can be compared', () => {
    assert.equal(loadScore({ sessions: 99, cpu_percent: 100 }, { maxCpuPercent: 200 }), 0.5);
    assert.equal(loadScore({ sessions: 99 }, { maxCpuPercent: 200 }), undefined);
  });
});

/** A fake Admin API: sessions → number of handles. */
function fakeAdmin(handles: Map<number, number>, calls: number[] = []): SessionLister {
  return {
    listSessions: () => Promise.resolve([...handles.keys()]),
    listHandles: (id: number) => {
      calls.push(id);
      const n = handles.get(id);
      if (n === undefined) return Promise.reject(new JanusError(458, `No such session ${String(id)}`));
      return Promise.resolve(Array.from({ length: n }, (_, i) => i + 1));
    },
  };
}

describe('sentinel session and handle counts', () => {
  it('counts every session and handle except its own sessions', async () => {
    const counter = new SessionCounter(fakeAdmin(new Map([[1, 2], [2, 0], [3, 1], [99, 5]])), 500, new Set([99]));
    assert.deepEqual(await counter.count(), { sessions: 3, handles: 3, estimated: false });
  });

  it('a session that ended between the two requests counts as none', async () => {
    const admin = fakeAdmin(new Map([[1, 2]]));
    const lister: SessionLister = { listSessions: () => Promise.resolve([1, 2]), listHandles: (id) => admin.listHandles(id) };
    assert.deepEqual(await new SessionCounter(lister, 500, new Set()).count(), { sessions: 2, handles: 2, estimated: false });
  });

  it('bounds the requests per sample, rotates the window and extrapolates', async () => {
    const calls: number[] = [];
    const sessions = new Map(Array.from({ length: 10 }, (_, i) => [i + 1, i < 5 ? 2 : 0] as [number, number]));
    const counter = new SessionCounter(fakeAdmin(sessions, calls), 4, new Set());
    assert.deepEqual(await counter.count(), { sessions: 10, handles: 20, estimated: true }, '8 handles in 4 of 10 sessions');
    assert.deepEqual(calls, [1, 2, 3, 4]);
    calls.length = 0;
    assert.deepEqual(await counter.count(), { sessions: 10, handles: 5, estimated: true }, '2 handles in sessions 5-8');
    assert.deepEqual(calls, [5, 6, 7, 8]);
    calls.length = 0;
    await counter.count();
    assert.deepEqual(calls, [9, 10, 1, 2], 'wraps around');
  });

  it('drained means no handle anywhere (idle sessions do not count), checking every session', async () => {
    const idle = new Map(Array.from({ length: 50 }, (_, i) => [i + 1, 0] as [number, number]));
    assert.equal(await new SessionCounter(fakeAdmin(idle), 4, new Set()).anyHandles(), false);
    idle.set(50, 1);
    assert.equal(await new SessionCounter(fakeAdmin(idle), 4, new Set()).anyHandles(), true);
    assert.equal(await new SessionCounter(fakeAdmin(idle), 4, new Set([50])).anyHandles(), false, 'our own session does not hold the drain');
  });
});

describe('sentinel report', () => {
  const inputs: ReportInputs = {
    identity: { name: 'janus-a', publicUrl: 'wss://a.example.net' },
    status: 'up',
    janus: { version: '1.1.2', plugins: ['janus.plugin.echotest'], reclaimSessionTimeoutS: 30 },
    load: { sessions: 3, handles: 5, cpu_percent: 12.5, memory_bytes: 1_000, load_score: 0.1, bandwidth_in_bps: undefined },
    startTimeMs: 1_700_000_000_000,
    expireS: 15,
    labels: { location: 'lab', isp: undefined, region: 'eu' },
    capacity: { max_sessions: 100, max_handles: undefined, max_bandwidth_bps: undefined },
  };

  it('carries what is known and nothing undefined, and passes the proxy schema', () => {
    const report = buildReport(inputs);
    assert.deepEqual(report, {
      name: 'janus-a', url: 'wss://a.example.net', status: 'up', sessions: 3, handles: 5, cpu_percent: 12.5, memory_bytes: 1_000,
      load_score: 0.1, max_sessions: 100, location: 'lab', region: 'eu', janus_version: '1.1.2', plugins: ['janus.plugin.echotest'],
      reclaim_session_timeout_s: 30, start_time: 1_700_000_000_000, expire: 15,
    });
    assert.ok(serverReportSchema.safeParse(JSON.parse(JSON.stringify(report))).success);
  });

  it('reports the Janus Admin API URL it watches (the proxies\' Janus Admin API uses it)', () => {
    const report = buildReport({ ...inputs, adminUrl: 'ws://10.0.0.5:7188' });
    assert.equal(report.admin_url, 'ws://10.0.0.5:7188');
    assert.ok(serverReportSchema.safeParse(JSON.parse(JSON.stringify(report))).success);
  });

  it('leaves the load figures out while down', () => {
    const report = buildReport({ ...inputs, status: 'down' });
    assert.equal(report.sessions, undefined);
    assert.equal(report.load_score, undefined);
    assert.equal(report.status, 'down');
  });

  it('carries the sentinel REST URL once it listens (where proxies fetch recordings)', () => {
    const report = buildReport({ ...inputs, sentinelUrl: 'http://10.0.0.5:8200' });
    assert.equal(report.sentinel_url, 'http://10.0.0.5:8200');
    assert.ok(serverReportSchema.safeParse(JSON.parse(JSON.stringify(report))).success);
  });
});
