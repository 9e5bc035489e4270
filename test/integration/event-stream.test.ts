// One event stream: a real Janus (in a network namespace, carrying werift media) posts its events to
// the proxy through Janus's HTTP event handler; a real webhook receiver gets the handle's attached,
// webrtcup and detached events with the client's session and handle ids and the backend named, even
// after refusing the first delivery (retry with backoff); a live WebSocket consumer gets them too,
// and the proxy's own event tells when the backend goes down.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startJanusCluster, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient } from '../support/janus-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { freePort } from '../support/processes.js';
import { echotestHandle, negotiateEcho } from '../support/cluster-helpers.js';
import { createEchoPeer, type EchoPeer } from '../support/werift-peer.js';
import { WebhookReceiver, type StreamEvent } from '../support/webhook-receiver.js';

const SECRET = 'events-admin-secret';

type Event = StreamEvent;

describe('the event stream delivers backend events with client ids to webhooks', { timeout: 120_000 }, () => {
  let janus: JanusInstance[];
  let proxy: TestProxy;
  let receiver: WebhookReceiver;
  const peers: EchoPeer[] = [];
  let client: JanusTestClient | undefined;

  before(async () => {
    receiver = new WebhookReceiver(1);
    const hook = await receiver.listen();
    const port = await freePort('0.0.0.0');
    janus = await startJanusCluster(1, {
      plugins: ['echotest'],
      eventHandlerUrl: (root, name) => `http://${root ?? '127.0.0.1'}:${String(port)}/events/${name}`,
    });
    proxy = await startTestProxy(janus, {
      general: { admin_secret: SECRET },
      janus_admin: { enabled: true, host: '0.0.0.0', port },
      event_stream: { enabled: true, webhooks: [hook], events: 'sessions, handles, webrtc, core', retry_initial_ms: 50 },
    });
  });

  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await client?.close();
    await proxy.stop();
    await Promise.all(janus.map((j) => j.stop()));
    await receiver.close();
  });

  it('attached, webrtcup and detached arrive with the client\'s ids and the backend\'s name', async () => {
    const eventsUrl = (proxy.janusAdminUrl ?? '').replace(/^http/, 'ws').replace(/\/admin$/, '');
    const refused = await JanusTestClient.connect(`${eventsUrl}/?admin_secret=wrong`, 'janus-cloud-events');
    assert.equal((await refused.closed).code, 1008);
    const live = await JanusTestClient.connect(`${eventsUrl}/?admin_secret=${SECRET}`, 'janus-cloud-events');
    client = await JanusTestClient.connect(proxy.url);
    const { sessionId, handleId } = await echotestHandle(client);
    const mine = (e: Event): boolean => e.session_id === sessionId && e.handle_id === handleId && e.backend === janus[0]!.name;
    await receiver.waitFor((e) => mine(e) && e.type === 2 && e.event?.name === 'attached');
    // Events carry no `janus` field: read the live socket's raw frames.
    for (let e: Event | undefined; !(e && mine(e) && e.type === 2 && e.event?.name === 'attached');) e = JSON.parse(await live.nextRawFrame()) as Event;
    await live.close();
    const peer = createEchoPeer({ iceAddress: janus[0]!.peerAddress });
    peers.push(peer);
    await negotiateEcho(client, { sessionId, handleId }, peer);
    await receiver.waitFor((e) => mine(e) && e.type === 16 && e.event?.connection === 'webrtcup');
    await client.request({ janus: 'detach', session_id: sessionId, handle_id: handleId });
    await receiver.waitFor((e) => mine(e) && e.type === 2 && e.event?.name === 'detached');
    // The proxy's own session and handle events (they name the proxy): created over WebSocket, the
    // handle attached where placement put it, then detached; the session destroyed.
    const own = (type: number, name: string) => (e: Event): boolean => e.type === type && e.session_id === sessionId && e.event?.name === name && typeof e.event.proxy === 'string';
    const created = await receiver.waitFor(own(1, 'created'));
    assert.deepEqual(created.event?.transport, { transport: 'janus.transport.websockets' });
    const attached = await receiver.waitFor(own(2, 'attached'));
    assert.deepEqual([attached.handle_id, attached.event?.plugin, attached.event?.backend], [handleId, 'janus.plugin.echotest', janus[0]!.name]);
    await receiver.waitFor(own(2, 'detached'));
    await client.request({ janus: 'destroy', session_id: sessionId });
    await receiver.waitFor(own(1, 'destroyed'));
    // Only the types asked for, and the first, refused post was retried.
    assert.ok(receiver.events.every((e) => [1, 2, 16, 256].includes(e.type)));
    assert.ok(receiver.posts > 1);
    // The proxy's own events: its backend up (sampled every second), then down once its Janus dies.
    const proxyEvent = (connected: boolean) => (e: Event): boolean => e.type === 256 && e.backend === janus[0]!.name && e.event?.connected === connected;
    await receiver.waitFor(proxyEvent(true));
    await janus[0]!.kill();
    await receiver.waitFor(proxyEvent(false));
  });
});
