// The Janus Admin API over the whole cluster: two proxy processes sharing a real Redis in front of a
// real Janus, each with its own Janus Admin API. Either one lists every session of the cluster,
// lists the handles of a session the other proxy holds and answers handle_info for it from the
// handle's Janus (with the client's ids), as decision 15 describes: from the session records.
// Requests that act on another live proxy's session (detach_handle, destroy_session) run on that
// proxy over the bus: its client sees its handle detached and its session gone, as on one Janus.
// The Janus posts its events to proxy A only: those of B's clients reach the webhook with B's
// client ids all the same (A asks B whose they are).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { adminRequest } from '../support/janus-client.js';
import { startRedis, type RedisInstance } from '../support/redis-fixture.js';
import { startProxyProcess, type ProxyProcess } from '../support/proxy-process.js';
import { sharedStore, TestClients } from '../support/shared-store-proxies.js';
import { echotestHandle, isEvent } from '../support/cluster-helpers.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { freePort } from '../support/processes.js';
import { TEST_ADMIN_TOKEN } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';
import { dataOf, openHandle, requestEvent } from '../support/plugin-messages.js';

const SECRET = 'cluster-admin-secret';

describe('the Janus Admin API of any proxy covers the sessions of every proxy', { timeout: 90_000 }, () => {
  let redis: RedisInstance;
  let janus: JanusInstance[];
  const proxies: { process: ProxyProcess; adminWs: string; rest: AdminClient }[] = [];
  const clients = new TestClients();
  const webhook = new WebhookReceiver(0);

  before(async () => {
    const hook = await webhook.listen();
    const ports = [await freePort(), await freePort()];
    [redis, janus] = await Promise.all([startRedis(), startJanusCluster(1, {
      netns: false, plugins: ['echotest', 'videoroom'], eventHandlerUrl: (_root, name) => `http://127.0.0.1:${String(ports[0])}/events/${name}`,
    })]);
    for (const [i, name] of ['proxy-a', 'proxy-b'].entries()) {
      const [port, restPort] = [ports[i]!, await freePort()];
      const process = await startProxyProcess(janus, {
        store: sharedStore(redis),
        general: { server_name: name, admin_secret: SECRET },
        janus_admin: { enabled: true, host: '127.0.0.1', port },
        event_stream: { enabled: true, webhooks: [hook], events: 'handles' },
        admin_api: { enabled: true, host: '127.0.0.1', port: restPort, token: TEST_ADMIN_TOKEN },
        janus_server: janus.map((j) => ({ name: j.name, url: j.wsUrl, admin_url: j.adminWsUrl, admin_secret: j.adminSecret })),
      });
      proxies.push({ process, adminWs: `ws://127.0.0.1:${String(port)}`, rest: new AdminClient(`http://127.0.0.1:${String(restPort)}`, TEST_ADMIN_TOKEN) });
    }
  });
  after(async () => {
    await clients.closeAll();
    await Promise.all(proxies.map((p) => p.process.stop()));
    await Promise.all(janus.map((j) => j.stop()));
    await redis.stop();
    await webhook.close();
  });

  it('list_sessions, list_handles and handle_info (and REST /sessions) answer for a session another proxy holds', async () => {
    const [a, b] = proxies as [(typeof proxies)[0], (typeof proxies)[0]];
    const onA = await echotestHandle(await clients.connect(a.process.url));
    const onB = await echotestHandle(await clients.connect(b.process.url));

    for (const proxy of [a, b]) {
      const listed = await adminRequest(proxy.adminWs, SECRET, { janus: 'list_sessions' });
      const ids = listed.sessions as number[];
      assert.ok(ids.includes(onA.sessionId) && ids.includes(onB.sessionId), `both sessions listed: ${JSON.stringify(listed)}`);
    }
    const handles = await adminRequest(b.adminWs, SECRET, { janus: 'list_handles', session_id: onA.sessionId });
    assert.deepEqual(handles.handles, [onA.handleId], JSON.stringify(handles));

    const info = await adminRequest(b.adminWs, SECRET, { janus: 'handle_info', session_id: onA.sessionId, handle_id: onA.handleId });
    assert.equal(info.janus, 'success', JSON.stringify(info));
    const details = info.info as { session_id: number; handle_id: number; backend: string; plugin: string };
    assert.deepEqual([details.session_id, details.handle_id, details.backend, details.plugin], [onA.sessionId, onA.handleId, janus[0]!.name, 'janus.plugin.echotest']);

    // The REST admin API of either proxy lists both sessions, each with the proxy holding it and its handles' backends.
    type Listed = { session_id: number; proxy?: string; handles: { handle_id: number; backend: string | null }[] };
    const { sessions } = await b.rest.ok<{ sessions: Listed[] }>('GET', '/sessions');
    const fromA = sessions.find((x) => x.session_id === onA.sessionId);
    const fromB = sessions.find((x) => x.session_id === onB.sessionId);
    assert.match(fromA?.proxy ?? '', /^proxy-a-/, JSON.stringify(sessions));
    assert.match(fromB?.proxy ?? '', /^proxy-b-/);
    assert.deepEqual(fromA?.handles.map((h) => [h.handle_id, h.backend]), [[onA.handleId, janus[0]!.name]]);
    // A session that exists nowhere is still 458.
    const none = await adminRequest(b.adminWs, SECRET, { janus: 'list_handles', session_id: 424242 });
    assert.equal((none.error as { code: number }).code, 458);
    // The Janus posted `attached` to A only; the webhook gets it with B's client's ids.
    const backendHandle = (await adminRequest(a.adminWs, SECRET, { janus: 'handle_info', session_id: onB.sessionId, handle_id: onB.handleId })).info as { backend_handle_id: number };
    const attached = await webhook.waitFor((e) => e.type === 2 && e.event?.name === 'attached' && e.backend_handle_id === backendHandle.backend_handle_id);
    assert.deepEqual([attached.session_id, attached.handle_id], [onB.sessionId, onB.handleId]);
  });

  it('detach_handle and destroy_session through one proxy act on the other proxy\'s live client', async () => {
    const [a, b] = proxies as [(typeof proxies)[0], (typeof proxies)[0]];
    const client = await clients.connect(b.process.url);
    const s = await echotestHandle(client);
    const since = client.mark();
    const detached = await adminRequest(a.adminWs, SECRET, { janus: 'detach_handle', session_id: s.sessionId, handle_id: s.handleId });
    assert.equal(detached.janus, 'success', JSON.stringify(detached));
    await client.waitFor(isEvent('detached', s.handleId), 10_000, since);
    assert.deepEqual((await adminRequest(a.adminWs, SECRET, { janus: 'list_handles', session_id: s.sessionId })).handles, []);
    const destroyed = await adminRequest(a.adminWs, SECRET, { janus: 'destroy_session', session_id: s.sessionId });
    assert.equal(destroyed.janus, 'success', JSON.stringify(destroyed));
    // The client's session is gone at its own proxy, as after an admin destroy on one Janus.
    const keepalive = await client.request({ janus: 'keepalive', session_id: s.sessionId });
    assert.equal((keepalive.error as { code: number } | undefined)?.code, 458, JSON.stringify(keepalive));
    for (const proxy of [a, b]) assert.ok(!((await adminRequest(proxy.adminWs, SECRET, { janus: 'list_sessions' })).sessions as number[]).includes(s.sessionId));
  });

  it('REST GET /rooms names the proxy each VideoRoom participant is connected to', async () => {
    const [a, b] = proxies as [(typeof proxies)[0], (typeof proxies)[0]];
    const client = await clients.connect(b.process.url);
    const at = await openHandle(client, 'janus.plugin.videoroom');
    const joined = await requestEvent(client, at, { request: 'join', ptype: 'publisher', room: 1234, display: 'on-b' });
    assert.equal(dataOf(joined).videoroom, 'joined', JSON.stringify(joined));
    type Rooms = { rooms: { plugin: string; room: number; participants: { id: number; display?: string; proxy?: string }[] }[] };
    const { rooms } = await a.rest.ok<Rooms>('GET', '/rooms?plugin=janus.plugin.videoroom');
    const shown = rooms.find((r) => r.room === 1234)?.participants.find((p) => p.id === dataOf(joined).id);
    assert.match(shown?.proxy ?? '', /^proxy-b-/, JSON.stringify(rooms));
  });
});
