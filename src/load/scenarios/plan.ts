// What a scenario hands the runner: the peers to ramp up, in order, and what to undo at the end.
import type { LoadPeer } from '../load-peer.js';
import type { Kind } from '../werift-peer.js';

export type PeerTask = {
  name: string;
  /** Sets the peer up until its media is verified (receivers) or flowing (senders); throws on failure. */
  run(peer: LoadPeer): Promise<void>;
};

export type ScenarioPlan = {
  tasks: PeerTask[];
  /** Stops media the scenario sends itself besides its peers (a Streaming feed), with the peers' media. */
  stopMedia?(): void;
  /** Undoes what the scenario created besides peers (rooms); best effort. */
  cleanup(): Promise<void>;
};

/** Stream ids unique over the worker processes of a run: the worker number in the high byte. */
export function streamIdAllocator(worker: number): () => Record<Kind, number> {
  let n = 0;
  return () => {
    const base = ((worker + 1) << 24) + 2 * n++;
    return { audio: base, video: base + 1 };
  };
}
