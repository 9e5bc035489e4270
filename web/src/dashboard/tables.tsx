/** Rooms with the servers each spans (and, opened, their participants), and the latest placement decisions with their reasons. */
import type { DashboardDecision, DashboardRoom } from '../../../src/admin/dashboard-types.js';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { clock, shortPlugin } from './health';
import { RoomParticipants } from './room-participants';

export function Rooms({ rooms, token, onUnauthorized }: { rooms: DashboardRoom[] | null; token: string; onUnauthorized: () => void }) {
  const [opened, setOpened] = useState<string | null>(null);
  if (rooms === null || rooms.length === 0) {
    return <p class="empty" data-role="no-rooms">No rooms{rooms === null ? ' (no cluster-aware room plugin reports any)' : ''}.</p>;
  }
  return (
    <table class="rooms">
      <thead><tr><th>Room</th><th>Plugin</th><th>Participants</th><th>Janus servers</th><th>Owner proxy</th><th></th></tr></thead>
      <tbody>
        {rooms.map((r) => {
          const key = `${r.plugin}/${String(r.room)}`;
          const open = opened === key;
          return (
            <Fragment key={key}>
              <tr data-room={String(r.room)}>
                <td>{String(r.room)}{r.description ? <span class="muted"> {r.description}</span> : null}</td>
                <td>{shortPlugin(r.plugin)}</td>
                <td>{r.participants === undefined ? '–' : String(r.participants)}</td>
                <td>{r.backends.map((name) => <span key={name} class="pill pill-plain">{name}</span>)}</td>
                <td data-role="room-owner">{r.owner ?? <span class="muted">—</span>}</td>
                <td><button type="button" class="link" data-role="room-participants" onClick={() => { setOpened(open ? null : key); }}>{open ? 'hide' : 'participants'}</button></td>
              </tr>
              {open ? (
                <tr class="room-details" data-room-details={String(r.room)}>
                  <td colSpan={6}><RoomParticipants plugin={r.plugin} room={String(r.room)} token={token} onUnauthorized={onUnauthorized} /></td>
                </tr>
              ) : null}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}

function Candidate({ c, chosen }: { c: DashboardDecision['candidates'][number]; chosen: boolean }) {
  const detail = c.eligible ? (c.score === undefined ? '' : `score ${c.score.toFixed(3)}`) : (c.reason ?? 'not eligible');
  const note = c.eligible && c.reason ? ` (${c.reason})` : '';
  return (
    <span class={`candidate ${chosen ? 'chosen' : c.eligible ? 'eligible' : 'rejected'}`}>
      {c.name}: {detail}{note}
    </span>
  );
}

export function Decisions({ decisions }: { decisions: DashboardDecision[] }) {
  if (decisions.length === 0) return <p class="empty">No placement decisions yet.</p>;
  return (
    <table class="decisions">
      <thead><tr><th>Time</th><th>Plugin</th><th>Chosen</th><th>Candidates</th></tr></thead>
      <tbody>
        {decisions.map((d, i) => (
          <tr key={`${String(d.at)}-${String(i)}`} class={d.chosen === undefined ? 'decision-failed' : ''}>
            <td>{clock(d.at)}</td>
            <td>{shortPlugin(d.plugin)} <span class="muted">{d.algorithm}</span></td>
            <td>{d.chosen ?? <span class="error">none</span>}</td>
            <td>{d.candidates.map((c) => <Candidate key={c.name} c={c} chosen={c.name === d.chosen} />)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
