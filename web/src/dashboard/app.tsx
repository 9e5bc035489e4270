/** The dashboard: token gate, then the cluster's servers, activity charts, rooms, recordings and placement decisions. */
import { useCallback, useState } from 'preact/hooks';
import { forgetToken, storedToken, storeToken } from '../api';
import { Activity } from './activity';
import { Backends } from './backends';
import { health } from './health';
import { Decisions, Rooms } from './tables';
import { Recordings } from './recordings';
import { Proxies } from './proxies';
import { TokenForm } from './token-form';
import { useLive } from './use-live';

function Dashboard({ token, onUnauthorized, onLogout }: { token: string; onUnauthorized: () => void; onLogout: () => void }) {
  const { snapshot, samples, state, now } = useLive(token, onUnauthorized);
  const backends = snapshot?.backends ?? [];
  const up = backends.filter((b) => health(b) === 'ok').length;
  return (
    <>
      <header>
        <h1>Janus Cloud</h1>
        <span class={`pill live-${state}`} data-role="live">{state}</span>
        {snapshot === null ? null : (
          <span class="totals">
            <span><b data-role="sessions">{snapshot.proxy.sessions}</b> sessions</span>
            <span><b data-role="handles">{snapshot.proxy.handles}</b> handles</span>
            <span><b>{up}</b> / {backends.length} Janus taking new handles</span>
          </span>
        )}
        <nav>
          <a href="/demos/">Demo pages</a>
          <a href="/metrics" onClick={(e) => { e.preventDefault(); window.open(`/metrics?token=${encodeURIComponent(token)}`); }}>Metrics</a>
          <button type="button" class="link" onClick={onLogout}>Forget token</button>
        </nav>
      </header>
      <main>
        {snapshot === null ? <p class="empty">Connecting to the proxy…</p> : (
          <>
            <section>
              <h2>Janus servers</h2>
              <Backends backends={backends} token={token} onUnauthorized={onUnauthorized} />
            </section>
            <section>
              <h2>Activity <span class="muted">last 5 minutes</span></h2>
              <Activity samples={samples} now={now} />
            </section>
            <section>
              <h2>Proxies</h2>
              <Proxies token={token} onUnauthorized={onUnauthorized} now={now} />
            </section>
            <section>
              <h2>Rooms</h2>
              <Rooms rooms={snapshot.rooms} token={token} onUnauthorized={onUnauthorized} />
            </section>
            <section>
              <h2>Recordings</h2>
              <Recordings token={token} onUnauthorized={onUnauthorized} />
            </section>
            <section>
              <h2>Recent placement decisions</h2>
              <Decisions decisions={snapshot.decisions} />
            </section>
          </>
        )}
      </main>
    </>
  );
}

export function App() {
  const [token, setToken] = useState(storedToken());
  const [notice, setNotice] = useState<string | null>(null);
  const onUnauthorized = useCallback(() => {
    forgetToken();
    setNotice('The stored token was refused: enter it again.');
    setToken(null);
  }, []);
  const onLogout = useCallback(() => {
    forgetToken();
    setNotice(null);
    setToken(null);
  }, []);
  if (token === null) {
    return <TokenForm notice={notice} onToken={(t) => { storeToken(t); setNotice(null); setToken(t); }} />;
  }
  return <Dashboard token={token} onUnauthorized={onUnauthorized} onLogout={onLogout} />;
}
