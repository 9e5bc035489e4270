// Sessions over HTTP through the proxy on a real Janus: the owner of an HTTP session is its long-poll
// queue, so `claim` moves events between HTTP and WebSocket either way; a long poll is activity, and
// a session whose poller goes away times out like any other (backend session included).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { JanusHttpClient, bodyOf, type HttpResult } from '../support/janus-http-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { echotestHandle, listSessions, sessionsWithHandles } from '../support/cluster-helpers.js';
import { pollUntil } from '../support/processes.js';

const SESSION_TIMEOUT_S = 2;
const HOLD_MS = 400;

function statusOf(result: HttpResult): number | 'dropped' {
  return result.dropped ? 'dropped' : result.status;
}

describe('HTTP sessions through the proxy', () => {
  let janus: JanusInstance;
  let proxy: TestProxy;
  let http: JanusHttpClient;

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    proxy = await startTestProxy([janus], { general: { session_timeout: SESSION_TIMEOUT_S }, http_transport: { long_poll_timeout_ms: HOLD_MS } });
    http = new JanusHttpClient(proxy.httpUrl ?? '');
  });
  after(async () => {
    await proxy.stop();
    await janus.stop();
  });

  it('HTTP → WebSocket claim: events follow the WebSocket, the long-poll queue is gone', async () => {
    const s = await http.create();
    const h = await http.attach(s);
    const ws = await JanusTestClient.connect(proxy.url);
    try {
      const claim = await ws.request({ janus: 'claim', session_id: s });
      assert.deepEqual({ janus: claim.janus, session_id: claim.session_id }, { janus: 'success', session_id: s });
      // The request goes over HTTP (its ack comes back there), the event to the new owner.
      const since = ws.mark();
      const ack = await http.post(`/${s}/${h}`, { janus: 'message', body: { audio: true }, transaction: 'after-claim' });
      assert.equal(ack.janus, 'ack');
      const event = await ws.waitFor((m) => m.transaction === 'after-claim' && m.janus === 'event', 5000, since);
      assert.equal(event.sender, h);
      assert.equal(statusOf(await http.poll(s)), 404);
      assert.equal((await ws.request({ janus: 'destroy', session_id: s })).janus, 'success');
    } finally {
      await ws.close();
    }
  });

  it('WebSocket → HTTP claim: events go to the session\'s long poll, not to the socket', async () => {
    const ws = await JanusTestClient.connect(proxy.url);
    try {
      const { sessionId: s, handleId: h } = await echotestHandle(ws);
      assert.equal(statusOf(await http.poll(s)), 404, 'no queue before the claim');
      const claim = await http.post(`/${s}`, { janus: 'claim' });
      assert.deepEqual({ janus: claim.janus, session_id: claim.session_id }, { janus: 'success', session_id: s });
      // The request goes over the socket (its ack comes back there), the event to the long poll.
      const since = ws.mark();
      const ack = await ws.request({ janus: 'message', session_id: s, handle_id: h, body: { audio: true }, transaction: 'ws-sent' });
      assert.equal(ack.janus, 'ack');
      const polled = bodyOf(await http.poll(s, { maxev: 10 })) as { transaction?: string; janus: string }[];
      assert.deepEqual(polled.map((m) => [m.janus, m.transaction]), [['event', 'ws-sent']]);
      await sleep(200);
      assert.deepEqual(ws.frames.slice(since).map((m) => m.janus), ['ack'], 'the socket got the ack only');
      assert.equal((await http.post(`/${s}`, { janus: 'destroy' })).janus, 'success');
    } finally {
      await ws.close();
    }
  });

  it('a long poll keeps the session alive; without a poller it times out and its backend session goes', async () => {
    const before = new Set(await sessionsWithHandles(janus));
    const s = await http.create();
    await http.attach(s);
    const backendSession = (await sessionsWithHandles(janus)).find((id) => !before.has(id));
    assert.ok(backendSession !== undefined, 'a backend session was created');
    // Only polls for 2.5 × the session timeout: each one is the session's only activity.
    const until = Date.now() + SESSION_TIMEOUT_S * 2500;
    while (Date.now() < until) assert.equal(statusOf(await http.poll(s)), 200);
    assert.equal((await http.post(`/${s}`, { janus: 'keepalive' })).janus, 'ack', 'alive after polling');
    // The poller goes away: nobody is told (the timeout event is queued and dropped), the session goes.
    await sleep(SESSION_TIMEOUT_S * 1000 + 1500);
    const gone = await http.post(`/${s}`, { janus: 'keepalive' });
    assert.deepEqual(gone.error, { code: 458, reason: `No such session ${s}` });
    assert.equal(statusOf(await http.poll(s)), 404);
    await pollUntil('the backend session to be destroyed', async () => (!(await listSessions(janus)).includes(backendSession) ? true : undefined), 5000);
  });

  it('a poll held past the session timeout receives the timeout event', async () => {
    const slow = await startTestProxy([janus], { general: { session_timeout: SESSION_TIMEOUT_S }, http_transport: { long_poll_timeout_ms: 10_000 } });
    try {
      const c = new JanusHttpClient(slow.httpUrl ?? '');
      const s = await c.create();
      const started = Date.now();
      assert.deepEqual(bodyOf(await c.poll(s, { maxev: 10 })), [{ janus: 'timeout', session_id: s }]);
      assert.ok(Date.now() - started < 10_000, 'before the hold ended');
      assert.equal(statusOf(await c.poll(s)), 404);
    } finally {
      await slow.stop();
    }
  });
});
