// Every VideoCall request, success and error, sent by three users to a real Janus 1.1.2 VideoCall and
// to the proxy (videocall in front of another real Janus, and p2pcall with no Janus at all): the
// normalised replies and events must be identical. Core notifications (webrtcup, media, hangup)
// are racy in Janus itself and are left out; SDPs differ by nature and are compared by type only.
// No media flows: SDPs carry no candidates and none are trickled. Before every call, the Janus
// handles of its caller and callee are idle (see idleOn).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { pollUntil } from '../support/processes.js';
import { IdNormalizer } from '../support/normalize.js';
import type { JanusMessage } from '../support/janus-client.js';
import { connectCallUser, resultOf, type CallReply, type CallUser } from '../support/call-client.js';
import { createCallPeer, withoutCandidates, type CallPeer } from '../support/call-peer.js';

const ADMIN_SECRET = 'videocall-api-admin';
/** The proxy's Admin API answer for a handle with no Janus handle behind it (JANUS_ERROR_PLUGIN_DETACH). */
const NO_JANUS_HANDLE = 463;

type Record_ = (who: string, what: CallReply | JanusMessage) => void;
/** Resolves once Janus holds no ICE agent or PeerConnection for any of these users' handles. */
type Idle = (...users: CallUser[]) => Promise<void>;

/** Normalised for comparison: ids and transactions as placeholders, SDPs by type, lists sorted. */
function normalizer(plugin: string): (m: JanusMessage) => unknown {
  const ids = new IdNormalizer();
  return (m) => {
    const copy = structuredClone(m);
    if (copy.jsep) copy.jsep = { type: (copy.jsep as { type: string }).type, sdp: '<sdp>' };
    const plugindata = copy.plugindata as { plugin?: string } | undefined;
    if (plugindata?.plugin === plugin) plugindata.plugin = '<plugin>';
    const list = resultOf(copy).list;
    if (Array.isArray(list)) list.sort();
    return ids.message(copy);
  };
}

/**
 * Janus QUIRK: on `detach`, the core hangs the handle's PeerConnection up first (VideoCall tells the
 * peer "Remote WebRTC hangup") and only later, when it frees the handle, does VideoCall forget the
 * username. A `list` sent as soon as that hangup arrives may therefore still name the user who left
 * (seen once in three CI runs, as a "difference" of both proxy runs from the direct recording).
 * There is no event for the username going away, so the list is asked again until it is gone.
 */
async function listWithout(user: CallUser, gone: string): Promise<CallReply> {
  let last: CallReply | undefined;
  await pollUntil(`a list without ${gone}`, async () => {
    last = await user.send({ request: 'list' });
    const list = resultOf(last.event).list;
    return Array.isArray(list) && list.includes(gone) ? undefined : true;
  }, 5000, 20);
  return last as CallReply;
}

/** Waits for the core `hangup` (PeerConnection closed) on each user: Janus has then finished with the call. */
async function pcClosed(marks: [CallUser, number][]): Promise<void> {
  await Promise.all(marks.map(([u, since]) => u.client.waitFor((m) => m.janus === 'hangup' && m.sender === u.handleId, 10_000, since)));
}

/**
 * Janus QUIRK (a core race, seen with Janus alone, about once in 20 runs under CPU load): the core
 * sends `hangup` once it freed a handle's PeerConnection, but closes its ICE agent asynchronously,
 * later. A user called before that agent is gone may never ring: the core takes the offer for an
 * update of the old session ("Updating existing session", "No WebRTC PeerConnection", "Cannot push
 * event (handle not available anymore or negotiation stopped)" in Janus's log), VideoCall ignores
 * that, answers the caller "calling" all the same and keeps the callee "in a call" for good.
 * No event tells a client when the agent is gone, but the Admin API's handle_info does: it lists
 * `agent-created` while the handle has an agent and `webrtc` while it has a PeerConnection. So
 * before every call, both parties' handles are asked until they have neither (for the proxied run,
 * through the proxy's Janus Admin API, which asks the Janus of the handle's current call leg).
 */
function idleOn(adminHttpUrl: string, adminSecret: string): Idle {
  const idle = async (user: CallUser): Promise<void> => {
    await pollUntil(`Janus to free the ICE agent of handle ${String(user.handleId)}`, async () => {
      const response = await fetch(`${adminHttpUrl}/${String(user.sessionId)}/${String(user.handleId)}`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ janus: 'handle_info', transaction: 'idle', admin_secret: adminSecret }),
      });
      const reply = (await response.json()) as { janus?: string; info?: Record<string, unknown>; error?: { code?: number } };
      // The proxy's VideoCall has a Janus handle (a call leg) only while a call needs one.
      if (reply.error?.code === NO_JANUS_HANDLE) return true;
      if (reply.janus !== 'success' || !reply.info) throw new Error(`handle_info failed: ${JSON.stringify(reply)}`);
      return 'agent-created' in reply.info || 'webrtc' in reply.info ? undefined : true;
    }, 15_000, 20);
  };
  return async (...users) => { await Promise.all(users.map(idle)); };
}

/** P2P Call: no Janus holds anything of a call. */
const noJanus: Idle = () => Promise.resolve();

async function offerOf(peer: CallPeer): Promise<Record<string, unknown>> {
  return { ...(await peer.createOffer({ trickle: true, setupActive: true })) };
}

async function answerTo(peer: CallPeer, offer: JanusMessage): Promise<Record<string, unknown>> {
  const jsep = offer.jsep as { sdp: string };
  return { ...(await peer.answer({ type: 'offer', sdp: withoutCandidates(jsep.sdp) }, { trickle: true })) };
}

/** Requests outside a call: parsing, registration, settings, call checks. */
async function outsideCalls(users: Record<string, CallUser>, rec: Record_): Promise<void> {
  const { alice, bob, carol } = users as { alice: CallUser; bob: CallUser; carol: CallUser };
  for (const body of [{}, { request: 5 }, { request: 'foo' }, { request: 'LIST' }, { request: 'call', username: 'bob' }]) rec('alice', await alice.send(body));
  for (const body of [
    { request: 'set', audio: false, video: true, bitrate: 0 }, { request: 'set', bitrate: -1 }, { request: 'set', audio: 'x' },
    { request: 'set', substream: 3 }, { request: 'set', temporal: 'a' }, { request: 'set', fallback: -2 }, { request: 'set', filename: 3 },
    { request: 'set', record: 'yes' }, { request: 'hangup' }, { request: 'accept' },
    { request: 'register' }, { request: 'register', username: 5 }, { request: 'register', username: 'alice' }, { request: 'register', username: 'bob' },
  ]) rec('alice', await alice.send(body));
  // Checks Janus's core makes on a jsep before any plugin sees it: core errors, not plugin events.
  for (const jsep of [{ type: 'offer' }, { sdp: 'v=0' }, { type: 5, sdp: 'v=0' }, { type: 'offer', sdp: 'v=0', trickle: 'yes' },
    { type: 'pranswer', sdp: 'v=0' }, { type: 'offer', sdp: 'nonsense' }]) {
    rec('bob', await bob.send({ request: 'call', username: 'alice' }, jsep));
  }
  rec('bob', await bob.send({ request: 'register', username: 'alice' }));
  rec('bob', await bob.send({ request: 'register', username: 'bob' }));
  rec('carol', await carol.send({ request: 'register', username: 'carol' }));
  rec('alice', await alice.send({ request: 'list' }));
  for (const body of [{ request: 'call' }, { request: 'call', username: 7 }, { request: 'call', username: 'alice' }, { request: 'call', username: 'dave' }, { request: 'call', username: 'bob' }]) {
    rec('alice', await alice.send(body));
  }
}

/** alice calls bob; carol finds bob busy; bob answers; settings and a renegotiation; alice hangs up. */
async function aCall(users: Record<string, CallUser>, rec: Record_, peers: CallPeer[], idle: Idle): Promise<void> {
  const { alice, bob, carol } = users as { alice: CallUser; bob: CallUser; carol: CallUser };
  const [alicePc, bobPc, carolPc] = [createCallPeer(), createCallPeer(), createCallPeer()];
  peers.push(alicePc, bobPc, carolPc);
  await idle(alice, bob, carol);
  let since = bob.client.mark();
  rec('alice', await alice.send({ request: 'call', username: 'bob' }, await offerOf(alicePc)));
  const incoming = await bob.waitEvent('incomingcall', since);
  rec('bob', incoming);
  const carolSince = carol.client.mark();
  rec('carol', await carol.send({ request: 'call', username: 'bob' }, await offerOf(carolPc)));
  await pcClosed([[carol, carolSince]]);
  rec('bob', await bob.send({ request: 'accept' }));
  since = alice.client.mark();
  rec('bob', await bob.send({ request: 'accept' }, await answerTo(bobPc, incoming)));
  const accepted = await alice.waitEvent('accepted', since);
  rec('alice', accepted);
  await alicePc.setAnswer({ type: 'answer', sdp: withoutCandidates((accepted.jsep as { sdp: string }).sdp) });
  rec('alice', await alice.send({ request: 'set', bitrate: 256_000, audio: true }));
  rec('bob', await bob.send({ request: 'set', video: false }));
  since = bob.client.mark();
  rec('alice', await alice.send({ request: 'set' }, await offerOf(alicePc)));
  const update = await bob.waitEvent('update', since);
  rec('bob', update);
  since = alice.client.mark();
  rec('bob', await bob.send({ request: 'set' }, await answerTo(bobPc, update)));
  rec('alice', await alice.waitEvent('update', since));
  rec('carol', await carol.send({ request: 'accept' }));
  since = bob.client.mark();
  const aliceSince = alice.client.mark();
  rec('alice', await alice.send({ request: 'hangup', reason: 'Bye' }));
  rec('bob', await bob.waitEvent('hangup', since, undefined, 'Bye'));
  await pcClosed([[alice, aliceSince], [bob, since]]);
  rec('alice', await alice.send({ request: 'hangup' }));
}

/**
 * bob calls carol, then calls again while it rings: Janus answers 480 and (QUIRK) closes bob's
 * PeerConnection, which ends the call for both; bob calls alice, who turns it down; alice calls
 * dave, who leaves while it rings. Every call waits for its parties' handles to be idle (idleOn).
 */
async function endings(users: Record<string, CallUser>, rec: Record_, peers: CallPeer[], idle: Idle): Promise<void> {
  const { alice, bob, carol, dave } = users as { alice: CallUser; bob: CallUser; carol: CallUser; dave: CallUser };
  const [alicePc, bobPc, bobPc2] = [createCallPeer(), createCallPeer(), createCallPeer()];
  peers.push(alicePc, bobPc, bobPc2);
  await idle(bob, carol);
  let since = carol.client.mark();
  let bobSince = bob.client.mark();
  rec('bob', await bob.send({ request: 'call', username: 'carol' }, await offerOf(bobPc2)));
  rec('carol', await carol.waitEvent('incomingcall', since));
  rec('bob', await bob.send({ request: 'call', username: 'alice' }));
  rec('carol', await carol.waitEvent('hangup', since, undefined, 'Remote WebRTC hangup'));
  rec('bob', await bob.waitEvent('hangup', bobSince, undefined, 'Remote WebRTC hangup'));
  await pcClosed([[bob, bobSince], [carol, since]]);
  await idle(bob, alice);
  since = alice.client.mark();
  rec('bob', await bob.send({ request: 'call', username: 'alice' }, await offerOf(bobPc)));
  rec('alice', await alice.waitEvent('incomingcall', since));
  bobSince = bob.client.mark();
  rec('alice', await alice.send({ request: 'hangup' }));
  rec('bob', await bob.waitEvent('hangup', bobSince, undefined, 'We did the hangup'));
  await pcClosed([[alice, since], [bob, bobSince]]);
  rec('dave', await dave.send({ request: 'register', username: 'dave' }));
  await idle(alice, dave);
  const daveSince = dave.client.mark();
  const aliceSince = alice.client.mark();
  rec('alice', await alice.send({ request: 'call', username: 'dave' }, await offerOf(alicePc)));
  rec('dave', await dave.waitEvent('incomingcall', daveSince));
  const detached = await dave.client.request({ janus: 'detach', session_id: dave.sessionId, handle_id: dave.handleId });
  rec('dave', detached);
  rec('alice', await alice.waitEvent('hangup', aliceSince, undefined, 'Remote WebRTC hangup'));
  rec('alice', await listWithout(alice, 'dave'));
}

function isReply(what: CallReply | JanusMessage): what is CallReply {
  return 'reply' in what && typeof what.reply === 'object' && what.reply !== null && !('janus' in what);
}

async function run(url: string, plugin: string, idle: Idle): Promise<unknown[]> {
  const out: unknown[] = [];
  const normalize = normalizer(plugin);
  const users: Record<string, CallUser> = {};
  const peers: CallPeer[] = [];
  for (const name of ['alice', 'bob', 'carol', 'dave']) users[name] = await connectCallUser(url, plugin);
  const rec: Record_ = (who, what) => {
    if (isReply(what)) out.push([who, normalize(what.reply), what.event ? normalize(what.event) : null]);
    else out.push([who, normalize(what)]);
  };
  try {
    await outsideCalls(users, rec);
    await aCall(users, rec, peers, idle);
    await endings(users, rec, peers, idle);
  } catch (err) {
    // Where it stopped, and what the users got last, for whoever reads the failure.
    const tail = Object.entries(users).map(([n, u]) => `${n}: ${u.client.frames.slice(-4).map((f) => JSON.stringify(f)).join('\n  ')}`);
    if (err instanceof Error) err.message += `\nafter ${String(out.length)} steps, last ${JSON.stringify(out.at(-1))}\n${tail.join('\n')}`;
    throw err;
  } finally {
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(Object.values(users).map((u) => u.close()));
  }
  return out;
}

describe('videocall and p2pcall requests answer exactly as Janus 1.1.2 VideoCall', () => {
  let janusDirect: JanusInstance;
  let janusBehind: JanusInstance;
  let proxy: TestProxy;
  let expected: unknown[];

  before(async () => {
    [janusDirect, janusBehind] = await Promise.all([
      startJanus({ netns: false, plugins: ['videocall'] }), startJanus({ netns: false, plugins: ['videocall'] }),
    ]);
    // The proxy's Janus Admin API, for handle_info of the proxied handles (idleOn).
    proxy = await startTestProxy([janusBehind], {
      general: { admin_secret: ADMIN_SECRET },
      janus_admin: { enabled: true },
      janus_server: [{ name: janusBehind.name, url: janusBehind.wsUrl, admin_url: janusBehind.adminWsUrl, admin_secret: janusBehind.adminSecret }],
    });
    expected = await run(janusDirect.wsUrl, 'janus.plugin.videocall', idleOn(janusDirect.adminHttpUrl, janusDirect.adminSecret));
  });
  after(async () => {
    await proxy.stop();
    await Promise.all([janusDirect.stop(), janusBehind.stop()]);
  });

  it('videocall through the proxy', async () => {
    const { janusAdminUrl } = proxy;
    assert.ok(janusAdminUrl !== undefined, 'the proxy\'s Janus Admin API is on');
    assert.deepEqual(await run(proxy.url, 'janus.plugin.videocall', idleOn(janusAdminUrl, ADMIN_SECRET)), expected);
  });

  it('p2pcall (no Janus involved)', async () => {
    assert.deepEqual(await run(proxy.url, 'janus.plugin.p2pcall', noJanus), expected);
  });

  it('lists p2pcall among the plugins in info, next to the backends\' own', async () => {
    const { JanusTestClient } = await import('../support/janus-client.js');
    const client = await JanusTestClient.connect(proxy.url);
    const info = await client.request({ janus: 'info' });
    await client.close();
    const plugins = Object.keys(info.plugins as object);
    assert.ok(plugins.includes('janus.plugin.p2pcall') && plugins.includes('janus.plugin.videocall'), plugins.join(','));
  });
});
