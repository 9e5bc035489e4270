/** The filters of a recording list, shared by the sentinel's REST API and the proxy's admin API. */
import { z } from 'zod';

export const RECORDING_STATES = ['recording', 'complete', 'processing', 'processed', 'failed', 'unsupported'] as const;

/** The fields a filter looks at. */
export interface FilterableRecording {
  room?: string | undefined;
  participant?: string | undefined;
  state: string;
  modified_ms: number;
}

export const recordingFilter = z.object({
  room: z.string().optional(),
  participant: z.string().optional(),
  state: z.enum(RECORDING_STATES).optional(),
  /** Only recordings written to since this time (ms since the epoch). */
  since: z.coerce.number().int().min(0).optional(),
});

export type RecordingFilter = z.infer<typeof recordingFilter>;

export function matchesFilter(r: FilterableRecording, f: RecordingFilter): boolean {
  return (f.room === undefined || r.room === f.room) && (f.participant === undefined || r.participant === f.participant)
    && (f.state === undefined || r.state === f.state) && (f.since === undefined || r.modified_ms >= f.since);
}

