// Session lifetime through the proxy on a real Janus: client reclaim after a dropped socket,
// inactivity timeout, destroy, and a backend connection blip reclaimed with Janus's own `claim`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { pollUntil } from '../support/processes.js';
import { echotestHandle, isEvent, listHandles, listSessions, sessionsWithHandles } from '../support/cluster-helpers.js';

async function echoRoundTrip(client: JanusTestClient, sessionId: number, handleId: number): Promise<void> {
  const { event } = await client.requestWithEvent({ janus: 'message', session_id: sessionId, handle_id: handleId, body: { audio: true } });
  assert.deepEqual((event.plugindata as { data: unknown }).data, { echotest: 'event', result: 'ok' });
  assert.equal(event.sender, handleId);
}

describe('client sessions through the proxy', () => {
  let janus: JanusInstance;
  let reclaiming: TestProxy;
  let strict: TestProxy;

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    reclaiming = await startTestProxy([janus], { general: { reclaim_session_timeout: 5, session_timeout: 3 } });
    strict = await startTestProxy([janus]);
  });
  after(async () => {
    await reclaiming.stop();
    await strict.stop();
    await janus.stop();
  });

  it('a session survives a dropped socket for the reclaim window and can be claimed from a new one', async () => {
    const first = await JanusTestClient.connect(reclaiming.url);
    const { sessionId, handleId } = await echotestHandle(first);
    await first.close();
    const second = await JanusTestClient.connect(reclaiming.url);
    try {
      const claim = await second.request({ janus: 'claim', session_id: sessionId });
      assert.deepEqual({ janus: claim.janus, session_id: claim.session_id }, { janus: 'success', session_id: sessionId });
      await echoRoundTrip(second, sessionId, handleId);
      assert.equal((await second.request({ janus: 'destroy', session_id: sessionId })).janus, 'success');
    } finally {
      await second.close();
    }
  });

  it('claim moves events to the claiming connection while the old one is still open', async () => {
    const owner = await JanusTestClient.connect(strict.url);
    const other = await JanusTestClient.connect(strict.url);
    try {
      const { sessionId, handleId } = await echotestHandle(owner);
      // Before the claim, a request from `other` gets its ack there but the event goes to the owner.
      const since = owner.mark();
      const tx = other.send({ janus: 'message', session_id: sessionId, handle_id: handleId, body: { audio: true } });
      await owner.waitFor((m) => m.transaction === tx && m.janus === 'event', 5000, since);
      assert.equal((await other.request({ janus: 'claim', session_id: sessionId })).janus, 'success');
      await echoRoundTrip(other, sessionId, handleId);
    } finally {
      await owner.close();
      await other.close();
    }
  });

  it('without a reclaim window (the Janus default) a dropped socket destroys its sessions and backend sessions', async () => {
    const before = new Set(await sessionsWithHandles(janus));
    const first = await JanusTestClient.connect(strict.url);
    const { sessionId } = await echotestHandle(first);
    const backendSession = (await sessionsWithHandles(janus)).find((s) => !before.has(s));
    assert.ok(backendSession !== undefined, 'a backend session was created');
    await first.close();
    const second = await JanusTestClient.connect(strict.url);
    try {
      const claim = await second.request({ janus: 'claim', session_id: sessionId });
      assert.equal((claim.error as { code: number }).code, 458);
      await pollUntil('the backend session is gone', async () => ((await listSessions(janus)).includes(backendSession) ? undefined : true), 5000);
    } finally {
      await second.close();
    }
  });

  it('an inactive session times out with a `timeout` event and its backend session is destroyed', async () => {
    const before = new Set(await sessionsWithHandles(janus));
    const client = await JanusTestClient.connect(reclaiming.url);
    try {
      const since = client.mark();
      const { sessionId } = await echotestHandle(client);
      const backendSession = (await sessionsWithHandles(janus)).find((s) => !before.has(s));
      assert.ok(backendSession !== undefined);
      const timeout = await client.waitFor(isEvent('timeout'), 10_000, since);
      assert.deepEqual(timeout, { janus: 'timeout', session_id: sessionId });
      assert.equal((await client.request({ janus: 'keepalive', session_id: sessionId })).janus, 'error');
      await pollUntil('the backend session is gone', async () => ((await listSessions(janus)).includes(backendSession) ? undefined : true), 5000);
    } finally {
      await client.close();
    }
  });

  it('destroy removes the backend session and its handles', async () => {
    const before = new Set(await sessionsWithHandles(janus));
    const client = await JanusTestClient.connect(strict.url);
    try {
      const { sessionId } = await echotestHandle(client);
      await client.attach(sessionId, 'janus.plugin.echotest');
      const backendSession = (await sessionsWithHandles(janus)).find((s) => !before.has(s));
      assert.ok(backendSession !== undefined);
      assert.equal((await listHandles(janus, backendSession)).length, 2, 'both handles share one backend session');
      await client.request({ janus: 'destroy', session_id: sessionId });
      await pollUntil('the backend session is gone', async () => ((await listSessions(janus)).includes(backendSession) ? undefined : true), 5000);
    } finally {
      await client.close();
    }
  });
});

describe('backend connection blip', () => {
  let janus: JanusInstance;
  let proxy: TestProxy;

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['echotest'], reclaimSessionTimeout: 10 });
    proxy = await startTestProxy([janus], { backends: { connections_per_server: 1 } });
  });
  after(async () => {
    await proxy.stop();
    await janus.stop();
  });

  it('reclaims backend sessions with `claim` on a new connection, and handles keep working', async () => {
    const client = await JanusTestClient.connect(proxy.url);
    try {
      const { sessionId, handleId } = await echotestHandle(client);
      const backendSessions = await sessionsWithHandles(janus);
      assert.equal(backendSessions.length, 1);
      const since = client.mark();
      for (const backend of proxy.cluster.backends.values()) backend.pool.reconnectAll();
      await pollUntil('the handle answers again after the reconnect', async () => {
        try {
          await echoRoundTrip(client, sessionId, handleId);
          return true;
        } catch {
          return undefined;
        }
      }, 10_000);
      assert.deepEqual(await sessionsWithHandles(janus), backendSessions, 'the same backend session was reclaimed');
      assert.equal(client.frames.slice(since).find((m) => m.janus === 'detached' || m.janus === 'hangup'), undefined);
    } finally {
      await client.close();
    }
  });
});

describe('backend sessions are recycled between client sessions', () => {
  let janus: JanusInstance;
  let proxy: TestProxy;

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    proxy = await startTestProxy([janus], { backends: { spare_sessions: 2 } });
    await pollUntil('the proxy\'s two spare sessions on Janus', async () => ((await listSessions(janus)).length === 2 ? true : undefined), 10_000);
  });
  after(async () => {
    await proxy.stop();
    await janus.stop();
  });

  it('a client session that ends with no handle gives its backend session back: Janus sees no destroy and no create', async () => {
    const spares = (await listSessions(janus)).sort();
    const client = await JanusTestClient.connect(proxy.url);
    try {
      const first = await echotestHandle(client);
      await echoRoundTrip(client, first.sessionId, first.handleId);
      const [used] = await sessionsWithHandles(janus);
      assert.ok(used !== undefined && spares.includes(used), 'the attach adopted a spare');
      await client.request({ janus: 'detach', session_id: first.sessionId, handle_id: first.handleId });
      await client.request({ janus: 'destroy', session_id: first.sessionId });
      assert.deepEqual((await listSessions(janus)).sort(), spares, 'the emptied session stayed, as a spare');

      // The next client gets one of the same sessions; ending with a handle still attached destroys it.
      const second = await echotestHandle(client);
      const [reused] = await sessionsWithHandles(janus);
      assert.ok(reused !== undefined && spares.includes(reused));
      await client.request({ janus: 'destroy', session_id: second.sessionId });
      await pollUntil('the session with a handle left to be destroyed', async () => ((await listSessions(janus)).includes(reused) ? undefined : true), 5000);
      assert.deepEqual(await sessionsWithHandles(janus), []);
    } finally {
      await client.close();
    }
  });
});
