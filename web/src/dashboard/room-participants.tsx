/**
 * One VideoRoom's participants, from the admin API (GET /rooms): the Janus each joined on (its origin),
 * what it publishes, the Janus servers its stream copies are on, and the proxy its client is connected to.
 * Read only while a room is opened in the table: the proxy asks every other proxy for it.
 */
import { usePolled } from './use-polled';

interface ParticipantView {
  id: number | string;
  display?: string;
  backend: string;
  publishing: boolean;
  streams: number;
  copies_on: string[];
  proxy?: string;
}

interface RoomsListing {
  rooms: { plugin: string; room: number | string; participants?: ParticipantView[] }[];
}

const POLL_MS = 3_000;

function Row({ p }: { p: ParticipantView }) {
  return (
    <tr data-participant={String(p.id)}>
      <td>{p.display === undefined ? String(p.id) : <>{p.display} <span class="muted">({String(p.id)})</span></>}</td>
      <td data-role="origin">{p.backend}</td>
      <td>{p.publishing ? `${String(p.streams)} stream${p.streams === 1 ? '' : 's'}` : <span class="muted">no</span>}</td>
      <td>{p.copies_on.length === 0 ? <span class="muted">—</span> : p.copies_on.map((name) => <span key={name} class="pill pill-plain">{name}</span>)}</td>
      <td data-role="proxy">{p.proxy ?? <span class="muted">—</span>}</td>
    </tr>
  );
}

export function RoomParticipants({ plugin, room, token, onUnauthorized }: { plugin: string; room: string; token: string; onUnauthorized: () => void }) {
  const { value, error } = usePolled<RoomsListing>(`/rooms?plugin=${encodeURIComponent(plugin)}`, token, onUnauthorized, POLL_MS);
  if (error !== null) return <p class="empty">Participants unavailable: {error}</p>;
  if (value === null) return <p class="empty">Loading participants…</p>;
  const participants = value.rooms.find((r) => r.plugin === plugin && String(r.room) === room)?.participants ?? [];
  if (participants.length === 0) return <p class="empty" data-role="no-participants">No participants.</p>;
  return (
    <table class="participants">
      <thead><tr><th>Participant</th><th>Joined on</th><th>Publishing</th><th>Copies on</th><th>Proxy</th></tr></thead>
      <tbody>{participants.map((p) => <Row key={String(p.id)} p={p} />)}</tbody>
    </table>
  );
}
