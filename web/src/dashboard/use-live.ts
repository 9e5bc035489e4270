/** The latest cluster snapshot from the live channel, the samples of the last minutes and the channel's state. */
import { useEffect, useState } from 'preact/hooks';
import type { DashboardSnapshot, RateSample } from '../../../src/admin/dashboard-types.js';
import { followEvents, type LiveState } from '../api';
import { mergeSamples } from './activity';

/** A snapshot older than this means the proxy stopped talking to us (each should come every second). */
const STALE_AFTER_MS = 3_500;

export interface Live {
  snapshot: DashboardSnapshot | null;
  samples: RateSample[];
  state: LiveState | 'stale';
  now: number;
}

export function useLive(token: string, onUnauthorized: () => void): Live {
  const [snapshot, setSnapshot] = useState<DashboardSnapshot | null>(null);
  const [samples, setSamples] = useState<RateSample[]>([]);
  const [state, setState] = useState<LiveState>('connecting');
  const [receivedAt, setReceivedAt] = useState(0);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    const stop = followEvents(token, {
      onSnapshot: (s) => {
        setSnapshot(s);
        setSamples((kept) => mergeSamples(kept, s.samples, s.at));
        setReceivedAt(Date.now());
      },
      onState: setState,
      onUnauthorized,
    });
    const clock = window.setInterval(() => { setNow(Date.now()); }, 1_000);
    return () => {
      stop();
      window.clearInterval(clock);
    };
  }, [token, onUnauthorized]);

  const stale = state === 'live' && receivedAt > 0 && now - receivedAt > STALE_AFTER_MS;
  return { snapshot, samples, state: stale ? 'stale' : state, now: snapshot?.at ?? now };
}
