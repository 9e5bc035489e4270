// A create's room-route claim and its release after Janus rejected the create, as pure decisions
// over a memory store and a scripted backend answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { AUDIOBRIDGE_PLUGIN, STREAMING_PLUGIN, TEXTROOM_PLUGIN, probeBody, probedPresence, roomApiOf } from '../../src/plugins/room-relay/rules.js';
import { claimRoom, releaseRejected } from '../../src/plugins/room-relay/claims.js';
import { MemoryRoomRoutes } from '../../src/plugins/room-relay/routes.js';
import type { JsonObject } from '../../src/protocol/messages.js';

const AB = roomApiOf(AUDIOBRIDGE_PLUGIN);
const logger = pino({ level: 'silent' });

describe('room claims', () => {
  it('asks each plugin whether it holds a room in its own words (Janus 1.1.2 answers)', () => {
    assert.deepEqual(probeBody(AB, 5), { request: 'exists', room: 5 });
    assert.deepEqual(probeBody(roomApiOf(STREAMING_PLUGIN), 5), { request: 'info', id: 5 });
    assert.equal(probeBody(roomApiOf('janus.plugin.foo'), 5), undefined, 'no probe for an unknown API');
    const table: [string, JsonObject | undefined, boolean | undefined][] = [
      [AUDIOBRIDGE_PLUGIN, { audiobridge: 'success', room: 5, exists: true }, true],
      [AUDIOBRIDGE_PLUGIN, { audiobridge: 'success', room: 5, exists: false }, false],
      [AUDIOBRIDGE_PLUGIN, { audiobridge: 'event', error_code: 484, error: 'Invalid element type (room should be a positive integer)' }, false],
      [AUDIOBRIDGE_PLUGIN, { audiobridge: 'event', error_code: 499, error: 'something else' }, undefined],
      [AUDIOBRIDGE_PLUGIN, undefined, undefined],
      [TEXTROOM_PLUGIN, { textroom: 'success', room: 5, exists: false }, false],
      [TEXTROOM_PLUGIN, { textroom: 'error', error_code: 414, error: 'Invalid element type' }, false],
      [STREAMING_PLUGIN, { streaming: 'info', info: { id: 5 } }, true],
      [STREAMING_PLUGIN, { streaming: 'event', error_code: 455, error: 'No such mountpoint/stream 5' }, false],
      [STREAMING_PLUGIN, { streaming: 'event', error_code: 454, error: 'Invalid element type' }, false],
      [STREAMING_PLUGIN, { streaming: 'event', error_code: 457, error: 'Unauthorized' }, undefined],
    ];
    for (const [plugin, data, expected] of table) assert.equal(probedPresence(roomApiOf(plugin), data), expected, `${plugin} ${JSON.stringify(data)}`);
  });

  it('a claim is this create\'s only when the store took its backend', async () => {
    const routes = new MemoryRoomRoutes();
    assert.deepEqual(await claimRoom(routes, AUDIOBRIDGE_PLUGIN, 7, 'a'), { room: 7, backend: 'a', claimed: true });
    assert.deepEqual(await claimRoom(routes, AUDIOBRIDGE_PLUGIN, 7, 'b'), { room: 7, backend: 'a', claimed: false });
  });

  it('releases a claimed route only when its backend says the room is not there, and only if the route is unchanged', async () => {
    const cases: { name: string; claimed: boolean; answer: JsonObject | Error | undefined; moved?: boolean; kept: boolean }[] = [
      { name: 'claimed, room absent', claimed: true, answer: { exists: false }, kept: false },
      { name: 'claimed, room there after all', claimed: true, answer: { exists: true }, kept: true },
      { name: 'claimed, no answer', claimed: true, answer: undefined, kept: true },
      { name: 'claimed, the probe failed', claimed: true, answer: new Error('backend lost'), kept: true },
      { name: 'not claimed', claimed: false, answer: { exists: false }, kept: true },
      { name: 'claimed, route moved meanwhile', claimed: true, answer: { exists: false }, moved: true, kept: true },
    ];
    for (const c of cases) {
      const routes = new MemoryRoomRoutes();
      routes.set(AUDIOBRIDGE_PLUGIN, 7, c.moved ? 'b' : 'a');
      const asked: JsonObject[] = [];
      const ask = (body: JsonObject): Promise<JsonObject | undefined> => {
        asked.push(body);
        return c.answer instanceof Error ? Promise.reject(c.answer) : Promise.resolve(c.answer);
      };
      await releaseRejected(routes, AUDIOBRIDGE_PLUGIN, AB, { room: 7, backend: 'a', claimed: c.claimed }, ask, logger);
      assert.equal(routes.get(AUDIOBRIDGE_PLUGIN, 7) !== undefined, c.kept, c.name);
      if (!c.claimed || c.moved) assert.deepEqual(asked, [], `${c.name}: nothing asked`);
    }
  });

  it('gives the route back when the room is there once released (a concurrent create through another proxy won)', async () => {
    const routes = new MemoryRoomRoutes();
    routes.set(AUDIOBRIDGE_PLUGIN, 7, 'a');
    const answers: JsonObject[] = [{ exists: false }, { exists: true }];
    const ask = (): Promise<JsonObject | undefined> => Promise.resolve(answers.shift());
    await releaseRejected(routes, AUDIOBRIDGE_PLUGIN, AB, { room: 7, backend: 'a', claimed: true }, ask, logger);
    assert.equal(routes.get(AUDIOBRIDGE_PLUGIN, 7), 'a');
    assert.equal(answers.length, 0, 'asked twice');
  });
});
