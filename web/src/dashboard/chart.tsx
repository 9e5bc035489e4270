/**
 * A small line chart drawn as SVG: one or more series over a fixed time window ending now, the
 * y axis from 0 to the largest value shown. Colours come from the stylesheet (series-N classes).
 */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

interface ChartProps {
  title: string;
  series: readonly Series[];
  windowMs: number;
  now: number;
  /** Printed after the latest values. */
  unit?: string;
}

const WIDTH = 300;
const HEIGHT = 70;

function niceMax(value: number): number {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((s) => value <= s * magnitude) ?? 10;
  return step * magnitude;
}

function path(points: Series['points'], from: number, windowMs: number, max: number): string {
  return points
    .filter(([at]) => at >= from)
    .map(([at, v], i) => {
      const x = ((at - from) / windowMs) * WIDTH;
      const y = HEIGHT - (v / max) * HEIGHT;
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

function latest(points: Series['points']): number | undefined {
  return points.at(-1)?.[1];
}

export function Chart({ title, series, windowMs, now, unit = '' }: ChartProps) {
  const from = now - windowMs;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.filter(([at]) => at >= from).map(([, v]) => v))));
  return (
    <figure class="chart" data-chart={title}>
      <figcaption>
        <span class="chart-title">{title}</span>
        {series.map((s, i) => (
          <span key={s.name} class={`chart-legend series-${String(i % 6)}`}>
            {series.length > 1 ? `${s.name} ` : ''}
            <b>{String(latest(s.points) ?? '–')}</b>
            {unit}
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${String(WIDTH)} ${String(HEIGHT)}`} preserveAspectRatio="none" role="img" aria-label={title}>
        <line class="chart-grid" x1="0" x2={WIDTH} y1={HEIGHT / 2} y2={HEIGHT / 2} />
        {series.map((s, i) => (
          <path key={s.name} class={`chart-line series-${String(i % 6)}`} d={path(s.points, from, windowMs, max)} />
        ))}
      </svg>
      <div class="chart-axis">
        <span>{`−${String(Math.round(windowMs / 60_000))} min`}</span>
        <span>{`scale 0–${String(max)}`}</span>
        <span>now</span>
      </div>
    </figure>
  );
}
