// The pass-through routing rules as pure functions: request → route, created room, list merging.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUDIOBRIDGE_PLUGIN, STREAMING_PLUGIN, TEXTROOM_PLUGIN, createdRoom, mergeLists, roomApiOf, routeOf, routingOf,
} from '../../src/plugins/room-relay/rules.js';
import { MemoryRoomRoutes } from '../../src/plugins/room-relay/routes.js';
import { parseProxyConfig } from '../../src/config/load.js';

describe('pass-through routing rules', () => {
  it('picks each plugin rule: config over defaults, `any` for the rest', () => {
    const table: [string, Record<string, 'any' | 'room'>, string][] = [
      [AUDIOBRIDGE_PLUGIN, {}, 'room'],
      [TEXTROOM_PLUGIN, {}, 'room'],
      [STREAMING_PLUGIN, {}, 'room'],
      [STREAMING_PLUGIN, { [STREAMING_PLUGIN]: 'any' }, 'any'],
      ['janus.plugin.sip', {}, 'any'],
      ['janus.plugin.sip', { 'janus.plugin.sip': 'room' }, 'room'],
    ];
    for (const [plugin, configured, expected] of table) assert.equal(routingOf(plugin, configured), expected, plugin);
  });

  it('routes requests: list fans out, a room goes to its backend, create without id to the pipeline', () => {
    const ab = roomApiOf(AUDIOBRIDGE_PLUGIN);
    const sp = roomApiOf(STREAMING_PLUGIN);
    const table: [ReturnType<typeof roomApiOf>, Record<string, unknown>, unknown][] = [
      [ab, { request: 'list' }, { kind: 'list' }],
      [ab, { request: 'LIST' }, { kind: 'list' }],
      [ab, { request: 'create' }, { kind: 'create', request: 'create' }],
      [ab, { request: 'create', room: 7 }, { kind: 'room', request: 'create', room: 7, sync: true }],
      [ab, { request: 'join', room: 'r' }, { kind: 'room', request: 'join', room: 'r', sync: false }],
      [ab, { request: 'changeroom', room: 8 }, { kind: 'room', request: 'changeroom', room: 8, sync: false }],
      [ab, { request: 'configure' }, { kind: 'home', request: 'configure', sync: false }],
      [ab, { request: 'join', room: 1.5 }, { kind: 'home', request: 'join', sync: false }],
      [sp, { request: 'watch', id: 3 }, { kind: 'room', request: 'watch', room: 3, sync: false }],
      [sp, { request: 'info', id: 3 }, { kind: 'room', request: 'info', room: 3, sync: true }],
      [roomApiOf(TEXTROOM_PLUGIN), { request: 'setup' }, { kind: 'home', request: 'setup', sync: false }],
      [roomApiOf('janus.plugin.x'), { request: 'list' }, { kind: 'home', request: 'list', sync: false }],
    ];
    for (const [api, body, expected] of table) assert.deepEqual(routeOf(api, body), expected, JSON.stringify(body));
  });

  it('reads the created room from AudioBridge and Streaming replies, not from errors', () => {
    assert.equal(createdRoom(roomApiOf(AUDIOBRIDGE_PLUGIN), { audiobridge: 'created', room: 5 }), 5);
    assert.equal(createdRoom(roomApiOf(STREAMING_PLUGIN), { streaming: 'created', stream: { id: 9 } }), 9);
    assert.equal(createdRoom(roomApiOf(AUDIOBRIDGE_PLUGIN), { audiobridge: 'event', error_code: 486, error: 'x', room: 5 }), undefined);
  });

  it('merges lists: union by id, the routed backend wins, errors skipped', () => {
    const api = roomApiOf(AUDIOBRIDGE_PLUGIN);
    const merged = mergeLists(api, [
      { backend: 'a', data: { audiobridge: 'success', list: [{ room: 1, n: 'a' }, { room: 2, n: 'a' }] } },
      { backend: 'b', data: { audiobridge: 'success', list: [{ room: 2, n: 'b' }, { room: '2', n: 'b' }] } },
      { backend: 'c', data: { audiobridge: 'event', error_code: 499, error: 'x' } },
    ], (room) => (room === 2 ? 'b' : undefined));
    assert.deepEqual(merged, { audiobridge: 'success', list: [{ room: 1, n: 'a' }, { room: 2, n: 'b' }, { room: '2', n: 'b' }] });
    const streaming = mergeLists(roomApiOf(STREAMING_PLUGIN), [
      { backend: 'a', data: { streaming: 'list', list: [{ id: 1 }] } },
      { backend: 'b', data: { streaming: 'list', list: [{ id: 1 }, { id: 4 }] } },
    ], () => undefined);
    assert.deepEqual(streaming, { streaming: 'list', list: [{ id: 1 }, { id: 4 }] });
    assert.deepEqual(mergeLists(api, [{ backend: 'a', data: { audiobridge: 'event', error_code: 1 } }], () => undefined), { audiobridge: 'event', error_code: 1 });
  });

  it('keeps room ids typed in the routes', () => {
    const routes = new MemoryRoomRoutes();
    routes.set(AUDIOBRIDGE_PLUGIN, 1, 'a');
    routes.set(AUDIOBRIDGE_PLUGIN, '1', 'b');
    assert.equal(routes.get(AUDIOBRIDGE_PLUGIN, 1), 'a');
    assert.equal(routes.get(AUDIOBRIDGE_PLUGIN, '1'), 'b');
    assert.equal(routes.get(TEXTROOM_PLUGIN, 1), undefined);
    routes.delete(AUDIOBRIDGE_PLUGIN, 1, 'b');
    assert.equal(routes.get(AUDIOBRIDGE_PLUGIN, 1), 'a', 'a delete for another backend leaves the route');
    routes.delete(AUDIOBRIDGE_PLUGIN, 1, 'a');
    assert.equal(routes.get(AUDIOBRIDGE_PLUGIN, 1), undefined);
  });

  it('config: `plugins.routing` and `plugins.home_backend` are checked by name and rule', () => {
    const config = parseProxyConfig({ plugins: { routing: { 'janus.plugin.sip': 'room' }, home_backend: { [TEXTROOM_PLUGIN]: 'janus1' } } });
    assert.deepEqual(config.plugins, { routing: { 'janus.plugin.sip': 'room' }, home_backend: { [TEXTROOM_PLUGIN]: 'janus1' } });
    assert.deepEqual(parseProxyConfig({}).plugins, { routing: {}, home_backend: {} });
    assert.throws(() => parseProxyConfig({ plugins: { routing: { 'janus.plugin.sip': 'sticky' } } }), /plugins\.routing/);
    assert.throws(() => parseProxyConfig({ plugins: { routing: { sip: 'any' } } }), /plugins\.routing/);
  });
});
