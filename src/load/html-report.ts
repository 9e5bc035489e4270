// --html FILE: the report as one self-contained page (inline SVG, no script, nothing fetched): the
// table of figures, then plots over the run (peers, received bitrate, loss) and latency histograms
// (first RTP, ICE+DTLS, each signalling request type). Each plot is an <svg class="plot">.
import { formatReport } from './report-table.js';
import type { RawStats, Report, TimelineSample } from './stats.js';

const W = 600;
const H = 240;
const M = { left: 56, right: 16, top: 28, bottom: 36 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
const BINS = 20;
const COLORS = ['#1f77b4', '#2ca02c', '#d62728', '#9467bd'];

type Series = { name: string; points: [number, number][] };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

/** The smallest 1, 2 or 5 × 10^n at or above `v` (an axis end that reads well). */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

const fmt = (v: number): string => String(Math.round(v * 100) / 100);

/** Frame, title, axis labels and a 0 / mid / max tick on each axis. */
function frame(title: string, xMax: number, yMax: number, xUnit: string, yUnit: string, body: string): string {
  const ticks = [0, 0.5, 1].map((f) => {
    const x = M.left + f * PLOT_W;
    const y = M.top + PLOT_H - f * PLOT_H;
    return `<text x="${fmt(x)}" y="${String(H - M.bottom + 14)}" text-anchor="middle">${fmt(f * xMax)}</text>` +
      `<text x="${String(M.left - 6)}" y="${fmt(y + 4)}" text-anchor="end">${fmt(f * yMax)}</text>` +
      `<line x1="${String(M.left)}" x2="${String(W - M.right)}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="#eee"/>`;
  }).join('');
  return `<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="${String(W)}" height="${String(H)}" viewBox="0 0 ${String(W)} ${String(H)}" font-family="sans-serif" font-size="11">` +
    `<title>${escapeHtml(title)}</title><rect width="${String(W)}" height="${String(H)}" fill="#fff"/>${ticks}` +
    `<text x="${String(M.left)}" y="16" font-size="13" font-weight="bold">${escapeHtml(title)}</text>` +
    `<text x="${String(W - M.right)}" y="${String(H - 4)}" text-anchor="end">${escapeHtml(xUnit)}</text>` +
    `<text x="4" y="${String(M.top - 8)}">${escapeHtml(yUnit)}</text>` +
    `<rect x="${String(M.left)}" y="${String(M.top)}" width="${String(PLOT_W)}" height="${String(PLOT_H)}" fill="none" stroke="#888"/>${body}</svg>`;
}

export function lineChart(title: string, yUnit: string, series: Series[]): string {
  const all = series.flatMap((s) => s.points);
  const xMax = niceMax(Math.max(0, ...all.map(([x]) => x)));
  const yMax = niceMax(Math.max(0, ...all.map(([, y]) => y)));
  const body = series.map((s, i) => {
    const color = COLORS[i % COLORS.length] ?? '#000';
    const points = s.points.map(([x, y]) => `${fmt(M.left + (x / xMax) * PLOT_W)},${fmt(M.top + PLOT_H - (y / yMax) * PLOT_H)}`).join(' ');
    const legend = `<text x="${String(W - M.right - 4)}" y="${String(M.top + 14 + i * 14)}" text-anchor="end" fill="${color}">${escapeHtml(s.name)}</text>`;
    return `<polyline class="series" fill="none" stroke="${color}" stroke-width="2" points="${points}"/>${legend}`;
  }).join('');
  return frame(title, xMax, yMax, 'seconds', yUnit, all.length === 0 ? noData() : body);
}

const noData = (): string => `<text x="${String(W / 2)}" y="${String(H / 2)}" text-anchor="middle" fill="#888">no data</text>`;

export function histogram(title: string, samples: readonly number[]): string {
  const xMax = niceMax(Math.max(0, ...samples));
  const counts = new Array<number>(BINS).fill(0);
  for (const v of samples) {
    const bin = Math.min(BINS - 1, Math.floor((v / xMax) * BINS));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  const yMax = niceMax(Math.max(0, ...counts));
  const barW = PLOT_W / BINS;
  const bars = counts.map((n, i) => {
    const h = (n / yMax) * PLOT_H;
    return n === 0 ? '' : `<rect class="bar" x="${fmt(M.left + i * barW + 1)}" y="${fmt(M.top + PLOT_H - h)}" width="${fmt(barW - 2)}" height="${fmt(h)}" fill="${COLORS[0] ?? '#000'}"/>`;
  }).join('');
  return frame(`${title} (n=${String(samples.length)})`, xMax, yMax, 'ms', 'count', samples.length === 0 ? noData() : bars);
}

/** Per-second rates from cumulative samples: received kbit/s over all peers, and loss in percent. */
function rates(timeline: readonly TimelineSample[]): { kbps: [number, number][]; loss: [number, number][] } {
  const kbps: [number, number][] = [];
  const loss: [number, number][] = [];
  timeline.forEach((cur, i) => {
    const prev = timeline[i - 1];
    if (!prev || cur.s <= prev.s) return;
    kbps.push([cur.s, ((cur.rxBytes - prev.rxBytes) * 8) / 1000 / (cur.s - prev.s)]);
    const expected = cur.expected - prev.expected;
    if (expected > 0) loss.push([cur.s, (Math.max(0, expected - (cur.verified - prev.verified)) / expected) * 100]);
  });
  return { kbps, loss };
}

/** Every plot of the page, in order. */
export function plots(stats: RawStats): string[] {
  const t = stats.timeline;
  const { kbps, loss } = rates(t);
  return [
    lineChart('Peers over time', 'peers', [
      { name: 'started', points: t.map((x) => [x.s, x.started]) },
      { name: 'connected', points: t.map((x) => [x.s, x.connected]) },
      { name: 'failed', points: t.map((x) => [x.s, x.failed]) },
    ]),
    lineChart('Received bitrate, all peers', 'kbit/s', [{ name: 'received', points: kbps }]),
    lineChart('Loss', '%', [{ name: 'lost', points: loss }]),
    histogram('Join to first verified RTP', stats.firstRtpMs),
    histogram('ICE + DTLS setup', stats.iceMs),
    ...Object.entries(stats.signallingMs).map(([verb, samples]) => histogram(`Signalling: ${verb}`, samples)),
  ];
}

/** JSON for an inert <script type="application/json"> block: no `</script>` can end it early. */
const jsonData = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

export function renderHtml(report: Report, stats: RawStats): string {
  const title = `janus-load: ${report.target.scenario} against ${report.target.url}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}pre{background:#f6f6f6;padding:12px;overflow:auto}
.plots{display:flex;flex-wrap:wrap;gap:16px}svg.plot{border:1px solid #ddd}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<pre>${escapeHtml(formatReport(report))}</pre>
<div class="plots">
${plots(stats).join('\n')}
</div>
<script type="application/json" id="report">${jsonData(report)}</script>
<script type="application/json" id="timeline">${jsonData(stats.timeline)}</script>
</body></html>
`;
}
