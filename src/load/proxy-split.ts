// Against janus-proxy: how the run's peers were spread over the Janus servers, as the proxy itself
// says (its admin API's GET /sessions), counted over this run's own sessions only.
type SessionsView = { sessions: { session_id: number; handles: { backend: string | null }[] }[] };

/** Handles per backend name among `sessionIds`; throws with the HTTP status or network error. */
export async function proxyBackendSplit(adminUrl: string, token: string | undefined, sessionIds: ReadonlySet<number>): Promise<Record<string, number>> {
  const response = await fetch(`${adminUrl.replace(/\/$/, '')}/sessions`, {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`GET /sessions: HTTP ${String(response.status)}`);
  const view = (await response.json()) as SessionsView;
  const split: Record<string, number> = {};
  for (const session of view.sessions) {
    if (!sessionIds.has(session.session_id)) continue;
    for (const handle of session.handles) {
      const backend = handle.backend ?? 'unplaced';
      split[backend] = (split[backend] ?? 0) + 1;
    }
  }
  return split;
}
