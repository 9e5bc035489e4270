/** The sentinel's state as `GET /info` shows it (JSON, snake_case like the report). */
import type { ServerStatus } from '../protocol/server-record.js';
import type { DrainPhase } from './drain.js';
import type { Identity } from './identity.js';
import type { JanusInfo } from './janus-info.js';
import type { ProcessView } from './janus-process.js';
import { fdSharePercent } from './fd-usage.js';
import type { LoadSample } from './load.js';
import type { Recycler } from './recycler.js';
import type { TargetState } from './report-target.js';
import type { StatusInputs } from './status.js';

export interface SentinelInfoInputs {
  identity: Identity;
  status: ServerStatus;
  inputs: Readonly<StatusInputs>;
  drain: DrainPhase;
  process: ProcessView;
  rttMs: number | undefined;
  janus: JanusInfo | undefined;
  load: LoadSample;
  reporting: TargetState[];
  recycle: ReturnType<Recycler['info']>;
}

export type SentinelInfo = ReturnType<typeof sentinelInfo>;

export function sentinelInfo(i: SentinelInfoInputs) {
  const supervisor = i.process.supervisor;
  return {
    name: i.identity.name,
    url: i.identity.publicUrl,
    status: i.status,
    maintenance: i.inputs.maintenance,
    lifecycle: i.inputs.lifecycle,
    drain: i.drain,
    liveness: { state: i.inputs.liveness, rtt_ms: i.rttMs ?? null },
    process: {
      mode: i.process.mode,
      state: i.process.state,
      pid: i.process.pid ?? null,
      started_at: i.process.startedAtMs ?? null,
      restarts: supervisor?.restarts ?? null,
      last_exit: supervisor?.lastExit ?? null,
      next_start_at: supervisor?.nextStartAtMs ?? null,
    },
    janus: { version: i.janus?.version ?? null, plugins: i.janus?.plugins ?? [] },
    load: i.load,
    /** Recycling for file descriptors: the threshold, open fds as a share of the limit now, recycles done. */
    recycle: { ...i.recycle, fd_share_percent: i.load.open_fds === undefined ? null : fdSharePercent(i.load.open_fds, i.load.max_fds) ?? null },
    reporting: i.reporting,
  };
}
