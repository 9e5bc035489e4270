// Every Janus core verb and error code, sent to a real Janus and to the proxy in front of another
// real Janus: the normalised replies must be identical.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { JanusTestClient, idOf, type JanusMessage } from '../support/janus-client.js';
import { IdNormalizer } from '../support/normalize.js';
import { startTwinJanus, type TwinJanus } from '../support/twin-janus.js';

type Script = (c: JanusTestClient, record: (m: JanusMessage) => void) => Promise<void>;

const ECHOTEST = 'janus.plugin.echotest';
const REQUESTED_ID = 987_654_321;

const scripts: Record<string, Script> = {
  'root verbs': async (c, rec) => {
    rec(await c.request({ janus: 'ping' }));
    rec(await c.request({ janus: 'PING' }));
    const info = await c.request({ janus: 'info' });
    rec({ janus: info.janus, transaction: info.transaction, has_plugins: typeof info.plugins === 'object' });
    rec(await c.request({ janus: 'foo' }));
    rec(await c.request({ janus: 'attach', plugin: ECHOTEST }));
    rec(await c.request({ janus: 'keepalive' }));
  },
  'envelope errors': async (c, rec) => {
    const since = c.mark();
    c.sendRaw(JSON.stringify({ janus: 'ping' }));
    c.sendRaw(JSON.stringify({ janus: 'ping', transaction: 5 }));
    c.sendRaw(JSON.stringify({ transaction: 'no-verb' }));
    c.sendRaw(JSON.stringify({ janus: 7, transaction: 'num-verb' }));
    c.sendRaw(JSON.stringify({ janus: 'create', transaction: 'bad-id', id: 'abc' }));
    c.sendRaw(JSON.stringify({ janus: 'create', transaction: 'neg-id', id: -4 }));
    c.sendRaw(JSON.stringify([{ janus: 'ping', transaction: 'in-array' }]));
    c.sendRaw(JSON.stringify({ janus: 'keepalive', transaction: 'only-handle', handle_id: 1234567 }));
    c.sendRaw(JSON.stringify({ janus: 'keepalive', transaction: 'unknown-session', session_id: 12345678 }));
    c.sendRaw(JSON.stringify({ janus: 'keepalive', transaction: 'string-session', session_id: '12345678' }));
    c.sendRaw(JSON.stringify({ janus: 'ping', transaction: 'last' }));
    await c.waitFor((m) => m.transaction === 'last', 5000, since);
    for (const frame of c.frames.slice(since)) rec(frame);
  },
  'invalid JSON': async (c, rec) => {
    const since = c.mark();
    c.sendRaw('{"janus": "ping", ');
    const reply = await c.waitFor(() => true, 5000, since);
    // The reason text comes from the JSON parser (jansson vs V8): compare code and prefix only.
    const error = reply.error as { code: number; reason: string };
    rec({ janus: reply.janus, code: error.code, prefix: error.reason.slice(0, 27) });
  },
  'several requests in one frame': async (c, rec) => {
    const ping = (tx: string): string => `{"janus":"ping","transaction":"${tx}"}`;
    const s = idOf(await c.request({ janus: 'create' }));
    const keepalive = (tx: string): string => `{"janus":"keepalive","session_id":${String(s)},"transaction":"${tx}"}`;
    // Each frame and how many replies Janus 1.1.2 sends for it (measured): every request when all
    // parse, one error for the whole frame when anything in it does not.
    const frames: [string, number][] = [
      [ping('a') + ping('b'), 2],
      [`${ping('c')} \n\t ${ping('d')}${keepalive('e')}`, 3],
      [`${ping('f')}{"janus":"info","transaction":"g"}`, 2],
      [`${ping('h')}[1]{}`, 3],
      [`${ping('i')}{"janus":"ping","transaction":}`, 1],
      [`${ping('j')}{"janus":"ping"`, 1],
      [`${ping('k')}xyz`, 1],
      [`${ping('l')},${ping('m')}`, 1],
      [`${ping('n')}\n`, 1],
      ['', 1],
    ];
    for (const [index, [frame, replies]] of frames.entries()) {
      const since = c.mark();
      c.sendRaw(frame);
      await c.waitFor(() => true, 5000, since + replies - 1);
      // Nothing more: a marker sent after them comes back next.
      const marker = `marker-${String(index)}`;
      c.send({ janus: 'ping', transaction: marker });
      await c.waitFor((m) => m.transaction === marker, 5000, since);
      for (const m of c.frames.slice(since, -1)) {
        const error = m.error as { code: number; reason: string } | undefined;
        // jansson and V8 word parse errors differently: the code and the prefix must match.
        if (error?.code === 454) rec({ janus: m.janus, code: error.code, prefix: error.reason.slice(0, 27) });
        else rec(m.janus === 'server_info' ? { janus: m.janus, transaction: m.transaction } : m);
      }
    }
  },
  'create with id': async (c, rec) => {
    rec(await c.request({ janus: 'create', id: REQUESTED_ID }));
    rec(await c.request({ janus: 'create', id: REQUESTED_ID }));
    rec(await c.request({ janus: 'destroy', session_id: REQUESTED_ID }));
  },
  'session verbs': async (c, rec) => {
    const created = await c.request({ janus: 'create' });
    rec(created);
    const s = idOf(created);
    rec(await c.request({ janus: 'keepalive', session_id: s }));
    rec(await c.request({ janus: 'claim', session_id: s }));
    rec(await c.request({ janus: 'info', session_id: s }));
    rec(await c.request({ janus: 'ping', session_id: s }));
    rec(await c.request({ janus: 'create', session_id: s }));
    rec(await c.request({ janus: 'bogus', session_id: s }));
    for (const verb of ['message', 'trickle', 'detach', 'hangup']) rec(await c.request({ janus: verb, session_id: s }));
    rec(await c.request({ janus: 'keepalive', session_id: s, handle_id: 0 }));
    rec(await c.request({ janus: 'keepalive', session_id: s, handle_id: 'x' }));
    rec(await c.request({ janus: 'keepalive', session_id: s, handle_id: 99887766 }));
    rec(await c.request({ janus: 'attach', session_id: s }));
    rec(await c.request({ janus: 'attach', session_id: s, plugin: 5 }));
    rec(await c.request({ janus: 'attach', session_id: s, plugin: ECHOTEST, opaque_id: 5 }));
    rec(await c.request({ janus: 'attach', session_id: s, plugin: ECHOTEST, loop_index: -1 }));
    rec(await c.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.nonexistent' }));
    rec(await c.request({ janus: 'destroy', session_id: s }));
    rec(await c.request({ janus: 'keepalive', session_id: s }));
    rec(await c.request({ janus: 'destroy', session_id: s }));
  },
  'handle verbs': async (c, rec) => {
    const s = idOf(await c.request({ janus: 'create' }));
    const attached = await c.request({ janus: 'attach', session_id: s, plugin: ECHOTEST, opaque_id: 'core-test' });
    rec(attached);
    const h = idOf(attached);
    const at = { session_id: s, handle_id: h };
    rec(await c.request({ janus: 'message', ...at }));
    rec(await c.request({ janus: 'message', ...at, body: 'x' }));
    rec(await c.request({ janus: 'message', ...at, body: {}, jsep: 'x' }));
    rec(await c.request({ janus: 'message', ...at, body: {}, jsep: { type: 'offer' } }));
    rec(await c.request({ janus: 'message', ...at, body: {}, jsep: { type: 'pranswer', sdp: 'v=0' } }));
    rec(await c.request({ janus: 'message', ...at, body: {}, jsep: { type: 'offer', sdp: 'nonsense' } }));
    rec(await c.request({ janus: 'message', ...at, body: {}, jsep: { type: 'answer', sdp: 'v=0\r\n' } }));
    const ok = await c.requestWithEvent({ janus: 'message', ...at, body: { audio: true } });
    rec(ok.reply);
    rec(ok.event);
    const bad = await c.requestWithEvent({ janus: 'message', ...at, body: { audio: 'yes' } });
    rec(bad.event);
    const empty = await c.requestWithEvent({ janus: 'message', ...at, body: {} });
    rec(empty.event);
    rec(await c.request({ janus: 'trickle', ...at }));
    rec(await c.request({ janus: 'trickle', ...at, candidate: {}, candidates: [] }));
    rec(await c.request({ janus: 'trickle', ...at, candidates: 'x' }));
    rec(await c.request({ janus: 'trickle', ...at, candidate: { completed: true } }));
    rec(await c.request({ janus: 'trickle', ...at, candidates: [{ sdpMid: '0', sdpMLineIndex: 0, candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host' }] }));
    rec(await c.request({ janus: 'attach', ...at, plugin: ECHOTEST }));
    rec(await c.request({ janus: 'destroy', ...at }));
    rec(await c.request({ janus: 'keepalive', ...at }));
    rec(await c.request({ janus: 'claim', ...at }));
    rec(await c.request({ janus: 'whatever', ...at }));
    rec(await c.request({ janus: 'hangup', ...at }));
    const since = c.mark();
    rec(await c.request({ janus: 'detach', ...at }));
    rec(await c.waitFor((m) => m.janus === 'detached', 5000, since));
    rec(await c.request({ janus: 'detach', ...at }));
    rec(await c.request({ janus: 'message', ...at, body: {} }));
    rec(await c.request({ janus: 'destroy', session_id: s }));
  },
};

async function run(url: string, script: Script, defaults: Record<string, unknown> = {}): Promise<unknown[]> {
  const client = await JanusTestClient.connect(url, 'janus-protocol', defaults);
  const normalizer = new IdNormalizer();
  const out: unknown[] = [];
  try {
    await script(client, (m) => out.push(normalizer.message(m)));
  } finally {
    await client.close();
  }
  return out;
}

describe('core verbs: proxy answers exactly as Janus 1.1.2', () => {
  let twin: TwinJanus;

  before(async () => { twin = await startTwinJanus(); });
  after(async () => { await twin.stop(); });

  for (const [name, script] of Object.entries(scripts)) {
    it(name, async () => {
      const expected = await run(twin.direct.wsUrl, script);
      const actual = await run(twin.proxy.url, script);
      assert.deepEqual(actual, expected);
    });
  }

  it('refuses a WebSocket handshake without the janus-protocol subprotocol, like Janus', async () => {
    await assert.rejects(JanusTestClient.connect(twin.direct.wsUrl, 'other-protocol'));
    await assert.rejects(JanusTestClient.connect(twin.proxy.url, 'other-protocol'));
  });
});

describe('core verbs with api_secret: proxy answers exactly as Janus 1.1.2', () => {
  const SECRET = 'janusrocks';
  let twin: TwinJanus;

  before(async () => { twin = await startTwinJanus({ apiSecret: SECRET }, { general: { api_secret: SECRET } }); });
  after(async () => { await twin.stop(); });

  const withoutSecret: Script = async (c, rec) => {
    rec(await c.request({ janus: 'ping' }));
    const info = await c.request({ janus: 'info' });
    rec({ janus: info.janus, api_secret: info.api_secret });
    rec(await c.request({ janus: 'create' }));
    rec(await c.request({ janus: 'create', apisecret: 'wrong' }));
    rec(await c.request({ janus: 'keepalive', session_id: 12345678 }));
    const s = idOf(await c.request({ janus: 'create', apisecret: SECRET }));
    rec(await c.request({ janus: 'keepalive', session_id: s }));
    rec(await c.request({ janus: 'attach', session_id: s, plugin: ECHOTEST }));
    rec(await c.request({ janus: 'keepalive', session_id: s, apisecret: SECRET }));
    const h = idOf(await c.request({ janus: 'attach', session_id: s, plugin: ECHOTEST, apisecret: SECRET }));
    rec(await c.request({ janus: 'hangup', session_id: s, handle_id: h }));
    rec(await c.request({ janus: 'detach', session_id: s, handle_id: h, apisecret: SECRET }));
    rec(await c.request({ janus: 'destroy', session_id: s, apisecret: SECRET }));
  };

  it('enforces the secret on everything but info and ping', async () => {
    const expected = await run(twin.direct.wsUrl, withoutSecret);
    const actual = await run(twin.proxy.url, withoutSecret);
    assert.deepEqual(actual, expected);
  });
});

describe('attach to a plugin no backend loads: proxy answers exactly as Janus 1.1.2', () => {
  let twin: TwinJanus;

  before(async () => { twin = await startTwinJanus({ plugins: ['echotest'] }); });
  after(async () => { await twin.stop(); });

  it('460 for the plugins the proxy has cluster-aware modules for (videoroom, videocall)', async () => {
    const script: Script = async (c, rec) => {
      const s = idOf(await c.request({ janus: 'create' }));
      rec(await c.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.videoroom' }));
      rec(await c.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.videocall' }));
      rec(await c.request({ janus: 'destroy', session_id: s }));
    };
    assert.deepEqual(await run(twin.proxy.url, script), await run(twin.direct.wsUrl, script));
  });

  it('p2pcall needs no backend: attach succeeds through the proxy', async () => {
    const client = await JanusTestClient.connect(twin.proxy.url);
    try {
      const s = idOf(await client.request({ janus: 'create' }));
      const attached = await client.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.p2pcall' });
      assert.equal(attached.janus, 'success', JSON.stringify(attached));
    } finally {
      await client.close();
    }
  });
});
