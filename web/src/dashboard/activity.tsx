/** Sessions, handles and request rates over the last minutes, from the live channel's samples. */
import type { RateSample } from '../../../src/admin/dashboard-types.js';
import { Chart, type Series } from './chart';

const WINDOW_MS = 5 * 60_000;

function series(name: string, samples: readonly RateSample[], read: (s: RateSample) => number): Series {
  return { name, points: samples.map((s) => [s.at, read(s)] as const) };
}

export function Activity({ samples, now }: { samples: readonly RateSample[]; now: number }) {
  const backendNames = [...new Set(samples.flatMap((s) => Object.keys(s.backend_handles)))].sort();
  return (
    <div class="charts">
      <Chart title="Sessions" series={[series('sessions', samples, (s) => s.sessions)]} windowMs={WINDOW_MS} now={now} />
      <Chart title="Handles" series={[series('handles', samples, (s) => s.handles)]} windowMs={WINDOW_MS} now={now} />
      <Chart
        title="Requests"
        series={[series('all', samples, (s) => s.requests_per_s), series('errors', samples, (s) => s.errors_per_s)]}
        windowMs={WINDOW_MS}
        now={now}
        unit="/s"
      />
      <Chart
        title="Handles by Janus"
        series={backendNames.map((name) => series(name, samples, (s) => s.backend_handles[name] ?? 0))}
        windowMs={WINDOW_MS}
        now={now}
      />
    </div>
  );
}

/** Merges newly received samples into the kept ones: ordered by time, no duplicates, only the window. */
export function mergeSamples(kept: readonly RateSample[], incoming: readonly RateSample[], now: number): RateSample[] {
  const byTime = new Map<number, RateSample>();
  for (const s of [...kept, ...incoming]) if (s.at >= now - WINDOW_MS) byTime.set(s.at, s);
  return [...byTime.values()].sort((a, b) => a.at - b.at);
}
