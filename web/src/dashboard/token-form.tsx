/** Asks for the admin token once; the page keeps it in localStorage. */
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';

export function TokenForm({ notice, onToken }: { notice: string | null; onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(notice);
  const [busy, setBusy] = useState(false);
  const submit = (event: Event): void => {
    event.preventDefault();
    const token = value.trim();
    if (token === '') return;
    setBusy(true);
    api('/ping', token).then(
      () => { onToken(token); },
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof ApiError && err.unauthorized ? 'That token was refused.' : String(err instanceof Error ? err.message : err));
      },
    );
  };
  return (
    <form class="token-form" onSubmit={submit}>
      <h1>Janus Cloud</h1>
      <p>Enter the proxy's admin token (<code>admin_api.token</code>). It is kept in this browser.</p>
      <input
        name="token"
        type="password"
        autocomplete="current-password"
        placeholder="admin token"
        value={value}
        onInput={(e) => { setValue(e.currentTarget.value); }}
      />
      <button type="submit" disabled={busy}>Open the dashboard</button>
      {error === null ? null : <p class="error" role="alert">{error}</p>}
    </form>
  );
}
