/** Recordings per room, from every sentinel (GET /recordings): state, where they are, download links. */
import { usePolled } from './use-polled';
import { useState } from 'preact/hooks';

interface ListedRecording {
  id: string;
  server: string;
  plugin: string;
  room?: string;
  participant?: string;
  display?: string;
  peer?: string;
  kind?: string;
  codec?: string;
  duration_ms?: number;
  size: number;
  state: string;
  error?: string;
  output?: string;
  muxed?: string;
}

interface Listing {
  recordings: ListedRecording[];
  errors: { server: string; reason: string }[];
}

/** Recordings change slowly (a conversion takes seconds): a poll is enough, no live feed. */
const POLL_MS = 10_000;

function fileUrl(r: ListedRecording, file: 'output' | 'mjr' | 'muxed', token: string): string {
  // A link cannot carry a header: the admin API takes the token as a query parameter too.
  return `/recordings/${encodeURIComponent(r.server)}/${encodeURIComponent(r.id)}/${file}?token=${encodeURIComponent(token)}`;
}

function Row({ r, token }: { r: ListedRecording; token: string }) {
  return (
    <tr data-recording={r.id} data-state={r.state}>
      <td>{r.room ?? '—'}<span class="muted"> {r.plugin}</span></td>
      <td>{r.display === undefined ? null : <>{r.display} </>}{r.participant === undefined ? '—' : r.display === undefined ? r.participant : <span class="muted">({r.participant})</span>}{r.peer === undefined ? null : <span class="muted"> with {r.peer}</span>}</td>
      <td>{r.kind ?? '?'}<span class="muted"> {r.codec ?? ''}</span></td>
      <td>{r.server}</td>
      <td>{r.duration_ms === undefined ? '—' : `${(r.duration_ms / 1000).toFixed(1)} s`}</td>
      <td title={r.error}>{r.state}{r.error ? <div class="muted">{r.error}</div> : null}</td>
      <td>
        {r.output ? <a href={fileUrl(r, 'output', token)} data-role="download">{r.output.slice(r.output.lastIndexOf('.') + 1)}</a> : null}
        {r.muxed ? <>{' '}<a href={fileUrl(r, 'muxed', token)} data-role="download-muxed">audio+video</a></> : null}
        {' '}<a href={fileUrl(r, 'mjr', token)} class="muted">mjr</a>
      </td>
    </tr>
  );
}

/** A room's recordings at a time: all rooms, or the one chosen (its value is the room id; '' for all). */
function RoomChoice({ rooms, room, onRoom }: { rooms: string[]; room: string; onRoom: (room: string) => void }) {
  return (
    <label class="muted">
      Room{' '}
      <select data-role="recordings-room" value={room} onChange={(e) => { onRoom(e.currentTarget.value); }}>
        <option value="">all</option>
        {rooms.map((r) => <option key={r} value={r}>{r}</option>)}
      </select>
    </label>
  );
}

export function Recordings({ token, onUnauthorized }: { token: string; onUnauthorized: () => void }) {
  const { value: listing, error } = usePolled<Listing>('/recordings', token, onUnauthorized, POLL_MS);
  const [room, setRoom] = useState('');
  if (error !== null) return <p class="empty" data-role="recordings-error">Recordings unavailable: {error}</p>;
  if (listing === null) return <p class="empty">Loading recordings…</p>;
  const rooms = [...new Set(listing.recordings.flatMap((r) => (r.room === undefined ? [] : [r.room])))].sort();
  const sorted = listing.recordings.filter((r) => room === '' || r.room === room)
    .sort((a, b) => (a.room ?? '').localeCompare(b.room ?? '') || a.id.localeCompare(b.id));
  return (
    <>
      {listing.errors.map((e) => <p class="empty" key={e.server}>{e.server}: {e.reason}</p>)}
      {rooms.length === 0 ? null : <RoomChoice rooms={rooms} room={room} onRoom={setRoom} />}
      {sorted.length === 0 ? <p class="empty" data-role="no-recordings">No recordings.</p> : (
        <table class="recordings">
          <thead><tr><th>Room</th><th>Participant</th><th>Kind</th><th>Janus server</th><th>Duration</th><th>State</th><th>Files</th></tr></thead>
          <tbody>{sorted.map((r) => <Row key={`${r.server}/${r.id}`} r={r} token={token} />)}</tbody>
        </table>
      )}
    </>
  );
}
