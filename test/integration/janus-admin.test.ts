// The proxy's Janus Admin API (its own port, HTTP and janus-admin-protocol WebSocket) in front of two
// real Janus servers in network namespaces: admin_secret and error replies compared with a real
// Janus, client ids in list_sessions/list_handles/handle_info, a live werift EchoTest handle's ICE,
// DTLS and RTP counters, a pcap on the right Janus, settings and plugin messages on every Janus.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { adminRequest, JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';
import { rawHttp } from '../support/janus-http-client.js';
import { IdNormalizer } from '../support/normalize.js';
import { echotestHandle, isEvent, listSessions, negotiateEcho } from '../support/cluster-helpers.js';
import { createEchoPeer, type EchoPeer } from '../support/werift-peer.js';

const SECRET = 'proxy-admin-secret';
const ECHO = 'janus.plugin.echotest';
const NO_SESSION = 123_456_789;

let janus: JanusInstance[];
let proxy: TestProxy;
let adminWs: string;
let adminHttp: string;
const clients: JanusTestClient[] = [];
const peers: EchoPeer[] = [];

async function connect(): Promise<JanusTestClient> {
  const client = await JanusTestClient.connect(proxy.url);
  clients.push(client);
  return client;
}

/** One Admin API request over HTTP (POST to `path` under the base path). */
async function overHttp(base: string, path: string, body: Record<string, unknown>): Promise<JanusMessage> {
  const result = await rawHttp('POST', `${base}${path}`, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  if (result.dropped || result.status !== 200) throw new Error(`admin HTTP request failed: ${JSON.stringify(result)}`);
  return JSON.parse(result.text) as JanusMessage;
}

/** The first reply to `body` on a fresh admin socket, whatever its transaction (validation errors have none). */
async function firstReply(url: string, body: Record<string, unknown>): Promise<JanusMessage> {
  const client = await JanusTestClient.connect(url, 'janus-admin-protocol');
  try {
    const since = client.mark();
    client.sendRaw(JSON.stringify(body));
    return await client.waitFor(() => true, 10_000, since);
  } finally {
    await client.close();
  }
}

const proxyAdmin = (body: Record<string, unknown>): Promise<JanusMessage> => adminRequest(adminWs, SECRET, body);

type Webrtc = {
  ice: { state: string; connected?: number };
  dtls: { 'dtls-state': string };
  media: Record<string, { stats: { in: { packets: number } } }>;
};

/** handle_info's `webrtc` section (Janus 1.1: ICE, DTLS and per-medium stats). */
function webrtcOf(reply: JanusMessage): Webrtc {
  return (reply.info as { webrtc: Webrtc }).webrtc;
}

/** RTP packets Janus received on the handle, every medium together. */
function packetsIn(reply: JanusMessage): number {
  return Object.values(webrtcOf(reply).media).reduce((sum, m) => sum + m.stats.in.packets, 0);
}

before(async () => {
  janus = await startJanusCluster(2, { plugins: ['echotest', 'videoroom'] });
  proxy = await startTestProxy(janus, {
    general: { admin_secret: SECRET },
    janus_admin: { enabled: true },
    janus_server: janus.map((j) => ({ name: j.name, url: j.wsUrl, admin_url: j.adminWsUrl, admin_secret: j.adminSecret })),
  });
  adminHttp = proxy.janusAdminUrl ?? '';
  adminWs = adminHttp.replace(/^http/, 'ws').replace(/\/admin$/, '');
});

after(async () => {
  await Promise.all(peers.map((p) => p.close()));
  await Promise.all(clients.map((c) => c.close()));
  await proxy.stop();
  await Promise.all(janus.map((j) => j.stop()));
});

describe('the Janus Admin API at the proxy', { timeout: 120_000 }, () => {
  it('checks admin_secret and answers errors as Janus does, over HTTP and WebSocket', async () => {
    const requests: Record<string, unknown>[] = [
      ...['get_status', 'list_sessions', 'list_tokens', 'add_token', 'set_log_level', 'set_locking_debug', 'set_refcount_debug',
        'set_log_timestamps', 'set_log_colors', 'message_plugin', 'query_eventhandler', 'query_logger', 'remove_token']
        .map((verb) => ({ janus: verb })),
      { janus: 'list_handles', session_id: NO_SESSION },
      { janus: 'destroy_session', session_id: NO_SESSION },
      { janus: 'handle_info', session_id: NO_SESSION, handle_id: 987_654_321 },
    ];
    const janusAdmin = janus[0]!;
    for (const secret of [undefined, 'wrong']) {
      for (const request of requests) {
        const body = { ...request, transaction: 'tx', ...(secret === undefined ? {} : { admin_secret: secret }) };
        const expected = new IdNormalizer().message(await firstReply(janusAdmin.adminWsUrl, body));
        const viaWs = new IdNormalizer().message(await firstReply(adminWs, body));
        const viaHttp = new IdNormalizer().message(await overHttp(adminHttp, '', body));
        assert.deepEqual(viaWs, expected, JSON.stringify(body));
        assert.deepEqual(viaHttp, expected, JSON.stringify(body));
      }
    }
    const errors: Record<string, unknown>[] = [
      { janus: 'ping' }, { transaction: 'no-verb' }, { janus: 5, transaction: 'n' }, { janus: 'nope', transaction: 'u' },
      { janus: 'list_handles', transaction: 's', session_id: NO_SESSION }, { janus: 'list_handles', transaction: 'h', handle_id: 5 },
      { janus: 'set_log_level', transaction: 'l', level: 9 }, { janus: 'set_log_level', transaction: 'l', level: -1 },
      { janus: 'set_log_level', transaction: 'l', level: 'x' }, { janus: 'set_locking_debug', transaction: 'd' },
      { janus: 'add_token', transaction: 'a', token: 'x' }, { janus: 'set_session_timeout', transaction: 't', timeout: -5 },
      { janus: 'set_session_timeout', transaction: 't' }, { janus: 'accept_new_sessions', transaction: 'a', accept: 'yes' },
      { janus: 'ping', transaction: 'p' },
    ];
    for (const body of errors) {
      const expected = new IdNormalizer().message(await firstReply(janusAdmin.adminWsUrl, { admin_secret: janusAdmin.adminSecret, ...body }));
      assert.deepEqual(new IdNormalizer().message(await firstReply(adminWs, { admin_secret: SECRET, ...body })), expected, JSON.stringify(body));
    }
    assert.equal((await proxyAdmin({ janus: 'info' })).janus, 'server_info');
  });

  it('lists client sessions and handles; handle_info comes from the handle\'s Janus with client ids', async () => {
    const client = await connect();
    const { sessionId, handleId } = await echotestHandle(client);
    const sessions = await proxyAdmin({ janus: 'list_sessions' });
    assert.ok((sessions.sessions as number[]).includes(sessionId));
    assert.deepEqual((await proxyAdmin({ janus: 'list_handles', session_id: sessionId })).handles, [handleId]);
    const reply = await overHttp(adminHttp, `/${String(sessionId)}/${String(handleId)}`, { janus: 'handle_info', transaction: 'hi', admin_secret: SECRET });
    assert.equal(reply.janus, 'success');
    assert.equal(reply.session_id, sessionId);
    assert.equal(reply.handle_id, handleId);
    const info = reply.info as Record<string, unknown>;
    assert.equal(info.session_id, sessionId);
    assert.equal(info.handle_id, handleId);
    assert.equal(info.plugin, ECHO);
    const landed = janus.find((j) => j.name === info.backend);
    assert.ok(landed, `backend named: ${String(info.backend)}`);
    assert.ok((await listSessions(landed)).includes(info.backend_session_id as number));
    const pluginOnly = await proxyAdmin({ janus: 'handle_info', session_id: sessionId, handle_id: handleId, plugin_only: true });
    assert.ok(isObject(pluginOnly.info) && 'plugin_specific' in pluginOnly.info && !('streams' in pluginOnly.info));
  });

  it('handle_info of a live werift EchoTest handle shows ICE and DTLS connected and RTP counters moving; a pcap lands on its Janus; hangup_webrtc', async () => {
    const client = await connect();
    const { sessionId, handleId } = await echotestHandle(client);
    const at = { session_id: sessionId, handle_id: handleId };
    const first = await proxyAdmin({ janus: 'handle_info', ...at });
    const landed = janus.find((j) => j.name === (first.info as Record<string, unknown>).backend)!;
    const peer = createEchoPeer({ iceAddress: landed.peerAddress });
    peers.push(peer);
    await negotiateEcho(client, { sessionId, handleId }, peer);
    const pcap = await proxyAdmin({ janus: 'start_pcap', ...at, folder: landed.dir, filename: 'via-proxy.pcap' });
    assert.equal(pcap.janus, 'success', JSON.stringify(pcap));
    assert.equal(pcap.backend, landed.name);
    await peer.waitForRtp(20);
    const before = await proxyAdmin({ janus: 'handle_info', ...at });
    await peer.waitForRtp(60);
    const later = await proxyAdmin({ janus: 'handle_info', ...at });
    const webrtc = webrtcOf(later);
    // Janus names a connected ICE agent with its selected pair `ready` (its last state), with the time it connected.
    assert.ok(['connected', 'ready'].includes(webrtc.ice.state) && (webrtc.ice.connected ?? 0) > 0, `ICE: ${JSON.stringify(webrtc.ice)}`);
    assert.equal(webrtc.dtls['dtls-state'], 'connected');
    assert.ok(packetsIn(later) > packetsIn(before) && packetsIn(before) > 0, `RTP in: ${String(packetsIn(before))} then ${String(packetsIn(later))}`);
    assert.equal((await proxyAdmin({ janus: 'stop_pcap', ...at })).janus, 'success');
    const file = join(landed.dir, 'via-proxy.pcap');
    assert.ok(existsSync(file) && statSync(file).size > 1000, 'pcap with packets on the handle\'s Janus');
    for (const other of janus.filter((j) => j !== landed)) assert.ok(!existsSync(join(other.dir, 'via-proxy.pcap')));
    // hangup_webrtc runs on the handle's Janus; its hangup reaches the client on the client's handle.
    const since = client.mark();
    assert.equal((await proxyAdmin({ janus: 'hangup_webrtc', ...at })).janus, 'success');
    await client.waitFor(isEvent('hangup', handleId), 10_000, since);
  });

  it('sends settings and plugin messages to every Janus, or one, with per-backend results', async () => {
    const level = await proxyAdmin({ janus: 'set_log_level', level: 5 });
    assert.equal(level.level, 5);
    assert.deepEqual(Object.keys(level.backends as object).sort(), janus.map((j) => j.name).sort());
    for (const j of janus) {
      assert.equal(((level.backends as Record<string, Record<string, unknown>>)[j.name])?.level, 5);
      const status = await adminRequest(j.adminWsUrl, j.adminSecret, { janus: 'get_status' });
      assert.equal((status.status as Record<string, unknown>).log_level, 5);
    }
    await proxyAdmin({ janus: 'set_log_level', level: 4 });
    const all = await proxyAdmin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'list' } });
    for (const j of janus) {
      const response = (all.backends as Record<string, Record<string, unknown>>)[j.name]?.response as Record<string, unknown>;
      assert.equal(response.videoroom, 'success');
    }
    const one = await proxyAdmin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: 'list' }, backend: janus[1]!.name });
    assert.equal(one.backend, janus[1]!.name);
    assert.equal((one.response as Record<string, unknown>).videoroom, 'success');
  });

  it('accept_new_sessions and set_session_timeout act on the proxy itself, as on Janus', async () => {
    const direct = janus[0]!;
    const script = async (api: string, admin: (body: Record<string, unknown>) => Promise<JanusMessage>): Promise<unknown[]> => {
      const norm = new IdNormalizer();
      const client = await JanusTestClient.connect(api);
      try {
        const out = [norm.message(await admin({ janus: 'accept_new_sessions', accept: false }))];
        out.push(norm.message(await client.request({ janus: 'create' })));
        out.push(norm.message(await admin({ janus: 'accept_new_sessions', accept: true })));
        out.push((await client.request({ janus: 'create' })).janus);
        out.push(norm.message(await admin({ janus: 'set_session_timeout', timeout: 45 })));
        out.push((await client.request({ janus: 'info' }))['session-timeout']);
        await admin({ janus: 'set_session_timeout', timeout: 60 });
        return out;
      } finally {
        await client.close();
      }
    };
    const expected = await script(direct.wsUrl, (body) => adminRequest(direct.adminWsUrl, direct.adminSecret, body));
    assert.deepEqual(await script(proxy.url, proxyAdmin), expected);
  });

  it('the REST admin API lists sessions with handles and backends, and runs a pcap on the handle\'s Janus', async () => {
    const client = await connect();
    const { sessionId, handleId } = await echotestHandle(client);
    const rest = new AdminClient(proxy.adminUrl ?? '', TEST_ADMIN_TOKEN);
    type Listed = { sessions: { session_id: number; handles: { handle_id: number; plugin: string; backend: string; backend_handle_id: number }[] }[] };
    const listed = await rest.ok<Listed>('GET', '/sessions');
    const handle = listed.sessions.find((s) => s.session_id === sessionId)?.handles[0];
    assert.equal(handle?.handle_id, handleId);
    assert.equal(handle.plugin, ECHO);
    const landed = janus.find((j) => j.name === handle.backend)!;
    const path = `/sessions/${String(sessionId)}/handles/${String(handleId)}/pcap`;
    const started = await rest.ok<{ backend: string }>('POST', path, { action: 'start', folder: landed.dir, filename: 'via-rest.pcap' });
    assert.equal(started.backend, landed.name);
    assert.equal((await rest.request('POST', path, { action: 'start', folder: landed.dir, filename: 'again.pcap' })).status, 502);
    await rest.ok('POST', path, { action: 'stop' });
    assert.ok(existsSync(join(landed.dir, 'via-rest.pcap')));
    assert.equal((await rest.request('POST', `/sessions/${String(sessionId)}/handles/1/pcap`, { action: 'stop' })).status, 404);
    assert.equal((await rest.request('GET', '/tokens')).status, 409);
  });

  it('detach_handle and destroy_session act on the client\'s handle and session', async () => {
    const client = await connect();
    const { sessionId, handleId } = await echotestHandle(client);
    const since = client.mark();
    assert.equal((await proxyAdmin({ janus: 'detach_handle', session_id: sessionId, handle_id: handleId })).janus, 'success');
    await client.waitFor(isEvent('detached', handleId), 10_000, since);
    assert.equal((await proxyAdmin({ janus: 'destroy_session', session_id: sessionId })).janus, 'success');
    assert.ok(!((await proxyAdmin({ janus: 'list_sessions' })).sessions as number[]).includes(sessionId));
  });
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
