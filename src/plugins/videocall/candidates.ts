/**
 * Client trickle candidates held until the SDP they belong to has gone where it is going (the
 * call's backend, or the other browser), then delivered in order. The original janus-cloud lost
 * exactly these (it sent the list in `candidate`, or cleared it before sending).
 */
import { isJsonObject } from '../../protocol/messages.js';
import type { TrickleRequest } from '../plugin.js';

/** A client holding more than this before its call is set up is not a real WebRTC client. */
const MAX_BUFFERED_CANDIDATES = 200;
export const END_OF_CANDIDATES = { completed: true } as const;

/** The candidates of one trickle request, in order; `null`/non-objects mean end-of-candidates, as in Janus. */
export function candidatesOf(request: TrickleRequest): unknown[] {
  if ('candidates' in request) return Array.isArray(request.candidates) ? (request.candidates as unknown[]).slice() : [];
  const candidate = request.candidate;
  return [isJsonObject(candidate) ? candidate : END_OF_CANDIDATES];
}

export function isEndOfCandidates(candidate: unknown): boolean {
  return !isJsonObject(candidate) || candidate.completed !== undefined;
}

export class CandidateBuffer {
  private items: unknown[] = [];

  get size(): number {
    return this.items.length;
  }

  add(request: TrickleRequest): void {
    this.items.push(...candidatesOf(request));
    if (this.items.length > MAX_BUFFERED_CANDIDATES) this.items.splice(0, this.items.length - MAX_BUFFERED_CANDIDATES);
  }

  /** Everything held, oldest first; the buffer is empty afterwards. */
  take(): unknown[] {
    const items = this.items;
    this.items = [];
    return items;
  }

  clear(): void {
    this.items = [];
  }
}
