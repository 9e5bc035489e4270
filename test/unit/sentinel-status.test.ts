import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveStatus, StatusTracker, type StatusInputs } from '../../src/sentinel/status.js';
import type { ServerStatus } from '../../src/protocol/server-record.js';

const base: StatusInputs = { process: 'running', liveness: 'alive', maintenance: false, lifecycle: 'serving', atCapacity: false };
const cases: { name: string; change: Partial<StatusInputs>; status: ServerStatus }[] = [
  { name: 'a running, answering Janus is up', change: {}, status: 'up' },
  { name: 'no answer yet is down', change: { liveness: 'unknown' }, status: 'down' },
  { name: 'a failed ping is down', change: { liveness: 'dead' }, status: 'down' },
  { name: 'a slow pong is overloaded', change: { liveness: 'slow' }, status: 'overloaded' },
  { name: 'full capacity is overloaded', change: { atCapacity: true }, status: 'overloaded' },
  { name: 'maintenance', change: { maintenance: true }, status: 'maintenance' },
  { name: 'maintenance wins over overload', change: { maintenance: true, liveness: 'slow' }, status: 'maintenance' },
  { name: 'draining wins over maintenance', change: { maintenance: true, lifecycle: 'draining' }, status: 'draining' },
  { name: 'draining wins over overload', change: { lifecycle: 'draining', atCapacity: true }, status: 'draining' },
  { name: 'a dead Janus is down even in maintenance', change: { maintenance: true, liveness: 'dead' }, status: 'down' },
  { name: 'a dead Janus is down even while draining', change: { lifecycle: 'draining', liveness: 'dead' }, status: 'down' },
  { name: 'crashed, waiting to restart, is down despite a stale alive', change: { process: 'backoff' }, status: 'down' },
  { name: 'being stopped is down at once', change: { process: 'stopping' }, status: 'down' },
  { name: 'stopped is down', change: { process: 'stopped' }, status: 'down' },
  { name: 'leaving (sentinel stopping) is down', change: { lifecycle: 'leaving' }, status: 'down' },
  { name: 'unsupervised follows liveness', change: { process: 'unsupervised' }, status: 'up' },
  { name: 'unsupervised and dead is down', change: { process: 'unsupervised', liveness: 'dead' }, status: 'down' },
];

describe('sentinel status', () => {
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(deriveStatus({ ...base, ...c.change }), c.status);
    });
  }

  it('the tracker announces each change of the derived status once, with the previous one', () => {
    const tracker = new StatusTracker({ ...base, liveness: 'unknown' });
    const seen: string[] = [];
    tracker.changed.on(({ status, previous }) => seen.push(`${previous}→${status}`));
    tracker.update({ liveness: 'alive' });
    tracker.update({ liveness: 'alive' }); // no change
    tracker.update({ atCapacity: false }); // inputs change, status does not
    tracker.update({ maintenance: true });
    tracker.update({ liveness: 'slow' }); // still maintenance
    tracker.update({ maintenance: false });
    tracker.update({ process: 'backoff' });
    assert.deepEqual(seen, ['down→up', 'up→maintenance', 'maintenance→overloaded', 'overloaded→down']);
    assert.equal(tracker.status, 'down');
  });

  it('a throwing listener neither stops the others nor the update', () => {
    const errors: unknown[] = [];
    const tracker = new StatusTracker({ ...base, liveness: 'dead' }, (err) => errors.push(err));
    const seen: string[] = [];
    tracker.changed.on(() => { throw new Error('boom'); });
    tracker.changed.on(({ status }) => seen.push(status));
    tracker.update({ liveness: 'alive' });
    assert.deepEqual(seen, ['up']);
    assert.equal(tracker.status, 'up');
    assert.equal(errors.length, 1);
  });
});
