/** Told about every reply the dispatcher sends (metrics); optional, so the core does not depend on it. */
export interface RequestObserver {
  /** `errorCode` is the Janus error code of an error reply, undefined for any other reply. */
  onReply(verb: string, errorCode: number | undefined, durationMs: number): void;
}
