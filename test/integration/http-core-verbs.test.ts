// The Janus core verbs over HTTP (POST + long poll), sent to a real Janus's HTTP transport and to
// the proxy's in front of another real Janus: the normalised replies must be identical.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { idOf } from '../support/janus-client.js';
import { JanusHttpClient } from '../support/janus-http-client.js';
import { IdNormalizer } from '../support/normalize.js';
import { startTwinJanus, type TwinJanus } from '../support/twin-janus.js';

type Script = (c: JanusHttpClient, record: (m: unknown) => void) => Promise<void>;

const ECHOTEST = 'janus.plugin.echotest';
const REQUESTED_ID = 987_654_321;

const scripts: Record<string, Script> = {
  'root verbs': async (c, rec) => {
    rec(await c.post('', { janus: 'ping' }));
    rec(await c.post('', { janus: 'PING' }));
    const info = await c.post('', { janus: 'info' });
    rec({ janus: info.janus, transaction: info.transaction, has_plugins: typeof info.plugins === 'object' });
    rec(await c.post('', { janus: 'foo' }));
    rec(await c.post('', { janus: 'attach', plugin: ECHOTEST }));
    rec(await c.post('', { janus: 'keepalive' }));
  },
  'envelope errors': async (c, rec) => {
    const bodies: unknown[] = [
      { janus: 'ping' },
      { janus: 'ping', transaction: 5 },
      { transaction: 'no-verb' },
      { janus: 7, transaction: 'num-verb' },
      { janus: 'create', transaction: 'bad-id', id: 'abc' },
      { janus: 'create', transaction: 'neg-id', id: -4 },
      { janus: 'keepalive', transaction: 'only-handle', handle_id: 1234567 },
      { janus: 'keepalive', transaction: 'unknown-session', session_id: 12345678 },
      { janus: 'keepalive', transaction: 'string-session', session_id: '12345678' },
    ];
    for (const body of bodies) {
      const result = await c.postRaw('', JSON.stringify(body));
      rec(result.dropped ? 'dropped' : JSON.parse(result.text));
    }
  },
  'create with id': async (c, rec) => {
    rec(await c.post('', { janus: 'create', id: REQUESTED_ID }));
    rec(await c.post('', { janus: 'create', id: REQUESTED_ID }));
    rec(await c.post(`/${REQUESTED_ID}`, { janus: 'destroy' }));
  },
  'session verbs': async (c, rec) => {
    const created = await c.post('', { janus: 'create' });
    rec(created);
    const s = idOf(created);
    const at = `/${s}`;
    rec(await c.post(at, { janus: 'keepalive' }));
    rec(await c.post(at, { janus: 'claim' }));
    for (const verb of ['info', 'ping', 'create', 'bogus', 'message', 'trickle', 'detach', 'hangup']) rec(await c.post(at, { janus: verb }));
    rec(await c.post(at, { janus: 'keepalive', handle_id: 0 }));
    rec(await c.post(at, { janus: 'keepalive', handle_id: 'x' }));
    rec(await c.post(at, { janus: 'keepalive', handle_id: 99887766 }));
    rec(await c.post(`${at}/99887766`, { janus: 'keepalive' }));
    rec(await c.post(at, { janus: 'attach' }));
    rec(await c.post(at, { janus: 'attach', plugin: 5 }));
    rec(await c.post(at, { janus: 'attach', plugin: ECHOTEST, opaque_id: 5 }));
    rec(await c.post(at, { janus: 'attach', plugin: ECHOTEST, loop_index: -1 }));
    rec(await c.post(at, { janus: 'attach', plugin: 'janus.plugin.nonexistent' }));
    rec(await c.post(at, { janus: 'destroy' }));
    rec(await c.post(at, { janus: 'keepalive' }));
    rec(await c.post(at, { janus: 'destroy' }));
  },
  'handle verbs': async (c, rec) => {
    const s = idOf(await c.post('', { janus: 'create' }));
    c.startPolling(s);
    try {
      const attached = await c.post(`/${s}`, { janus: 'attach', plugin: ECHOTEST, opaque_id: 'core-test' });
      rec(attached);
      const at = `/${s}/${idOf(attached)}`;
      rec(await c.post(at, { janus: 'message' }));
      rec(await c.post(at, { janus: 'message', body: 'x' }));
      rec(await c.post(at, { janus: 'message', body: {}, jsep: 'x' }));
      rec(await c.post(at, { janus: 'message', body: {}, jsep: { type: 'offer' } }));
      rec(await c.post(at, { janus: 'message', body: {}, jsep: { type: 'pranswer', sdp: 'v=0' } }));
      rec(await c.post(at, { janus: 'message', body: {}, jsep: { type: 'offer', sdp: 'nonsense' } }));
      rec(await c.post(at, { janus: 'message', body: {}, jsep: { type: 'answer', sdp: 'v=0\r\n' } }));
      const ok = await c.requestWithEvent(at, { janus: 'message', body: { audio: true } });
      rec(ok.reply);
      rec(ok.event);
      rec((await c.requestWithEvent(at, { janus: 'message', body: { audio: 'yes' } })).event);
      rec((await c.requestWithEvent(at, { janus: 'message', body: {} })).event);
      rec(await c.post(at, { janus: 'trickle' }));
      rec(await c.post(at, { janus: 'trickle', candidate: {}, candidates: [] }));
      rec(await c.post(at, { janus: 'trickle', candidates: 'x' }));
      rec(await c.post(at, { janus: 'trickle', candidate: { completed: true } }));
      for (const verb of ['attach', 'destroy', 'keepalive', 'claim', 'whatever', 'hangup']) rec(await c.post(at, { janus: verb, plugin: ECHOTEST }));
      // An HTTP claim gives the session a new queue; the poll held on the old one would only end after 30 s.
      await c.stopPolling();
      c.startPolling(s);
      const since = c.mark();
      rec(await c.post(at, { janus: 'detach' }));
      rec(await c.waitFor((m) => m.janus === 'detached', 5000, since));
      rec(await c.post(at, { janus: 'detach' }));
      rec(await c.post(at, { janus: 'message', body: {} }));
      rec(await c.post(`/${s}`, { janus: 'destroy' }));
    } finally {
      await c.stopPolling();
    }
  },
};

async function run(url: string, script: Script, defaults: Record<string, unknown> = {}): Promise<unknown[]> {
  const client = new JanusHttpClient(url, defaults);
  const normalizer = new IdNormalizer();
  const out: unknown[] = [];
  await script(client, (m) => out.push(normalizer.normalize(m)));
  return out;
}

describe('core verbs over HTTP: proxy answers exactly as Janus 1.1.2', () => {
  let twin: TwinJanus;

  before(async () => { twin = await startTwinJanus(); });
  after(async () => { await twin.stop(); });

  for (const [name, script] of Object.entries(scripts)) {
    it(name, async () => {
      const expected = await run(twin.direct.httpUrl, script);
      const actual = await run(twin.proxy.httpUrl ?? '', script);
      assert.deepEqual(actual, expected);
    });
  }
});

describe('core verbs over HTTP with api_secret: proxy answers exactly as Janus 1.1.2', () => {
  const SECRET = 'janusrocks';
  let twin: TwinJanus;

  before(async () => { twin = await startTwinJanus({ apiSecret: SECRET }, { general: { api_secret: SECRET } }); });
  after(async () => { await twin.stop(); });

  const withoutSecret: Script = async (c, rec) => {
    const status = async (path: string): Promise<number | string> => {
      const r = await c.get(path);
      return r.dropped ? 'dropped' : r.status;
    };
    rec(await c.post('', { janus: 'ping' }));
    const info = await c.post('', { janus: 'info' });
    rec({ janus: info.janus, api_secret: info.api_secret });
    rec(await c.post('', { janus: 'create' }));
    rec(await c.post('', { janus: 'create', apisecret: 'wrong' }));
    rec(await c.post('/12345678', { janus: 'keepalive' }));
    const s = idOf(await c.post('', { janus: 'create', apisecret: SECRET }));
    rec(await c.post(`/${s}`, { janus: 'keepalive' }));
    rec(await c.post(`/${s}`, { janus: 'attach', plugin: ECHOTEST }));
    const h = idOf(await c.post(`/${s}`, { janus: 'attach', plugin: ECHOTEST, apisecret: SECRET }));
    rec(await c.post(`/${s}/${h}`, { janus: 'message', body: { audio: true }, apisecret: SECRET }));
    // Long polls check ?apisecret= themselves: 403 with an empty body, before the session lookup.
    rec(await status(`/${s}`));
    rec(await status(`/${s}?apisecret=wrong`));
    rec(await status('/12345678'));
    rec(await status(`/${s}/${h}`));
    rec(await status('/notanumber'));
    rec(await status(`/${s}/${h}?apisecret=${SECRET}`));
    const polled = await c.get(`/${s}?apisecret=${SECRET}`);
    rec(polled.dropped ? 'dropped' : JSON.parse(polled.text));
    rec(await c.post(`/${s}/${h}`, { janus: 'detach', apisecret: SECRET }));
    rec(await c.post(`/${s}`, { janus: 'destroy', apisecret: SECRET }));
  };

  it('enforces the secret on everything but info and ping, long polls included', async () => {
    const expected = await run(twin.direct.httpUrl, withoutSecret);
    const actual = await run(twin.proxy.httpUrl ?? '', withoutSecret);
    assert.deepEqual(actual, expected);
  });
});
