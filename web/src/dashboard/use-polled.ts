/** An admin API resource read every `everyMs` (things that change slowly need no live feed). */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';

export interface Polled<T> {
  /** The last answer, null before the first one. */
  value: T | null;
  /** Why the last read failed, null when it did not. */
  error: string | null;
}

export function usePolled<T>(path: string, token: string, onUnauthorized: () => void, everyMs: number): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ value: null, error: null });
  useEffect(() => {
    let live = true;
    const load = (): void => {
      api<T>(path, token)
        .then((value) => { if (live) setState({ value, error: null }); })
        .catch((err: unknown) => {
          if (err instanceof ApiError && err.unauthorized) onUnauthorized();
          else if (live) setState((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) }));
        });
    };
    load();
    const timer = setInterval(load, everyMs);
    return () => { live = false; clearInterval(timer); };
  }, [path, token, onUnauthorized, everyMs]);
  return state;
}
