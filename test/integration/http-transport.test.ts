// The HTTP transport itself — paths, bodies, methods, status codes, CORS and long-poll shapes —
// exercised against a real Janus's HTTP transport and the proxy's: normalised results must match.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import type { JanusMessage } from '../support/janus-client.js';
import { JanusHttpClient, rawHttp, type HttpResult } from '../support/janus-http-client.js';
import { IdNormalizer } from '../support/normalize.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';

type Script = (c: JanusHttpClient, record: (m: unknown) => void) => Promise<void>;

const COMPARED_HEADERS = [
  'content-type', 'location', 'access-control-allow-origin', 'access-control-allow-credentials', 'vary',
  'access-control-max-age', 'access-control-allow-methods', 'access-control-allow-headers',
];

/** Status, the headers Janus sets on purpose, and the body (parsed when JSON); `reasonPrefix` cuts error texts that come from the JSON parser. */
function describeHttp(result: HttpResult, reasonPrefix?: number): unknown {
  if (result.dropped) return 'dropped';
  const headers = Object.fromEntries(COMPARED_HEADERS.filter((h) => result.headers[h] !== undefined).map((h) => [h, result.headers[h]]));
  let body: unknown = result.text;
  if (result.headers['content-type'] === 'application/json' && result.text) body = JSON.parse(result.text);
  const error = (body as { error?: { code: number; reason: string } }).error;
  if (reasonPrefix !== undefined && error) body = { code: error.code, reason: error.reason.slice(0, reasonPrefix) };
  return { status: result.status, headers, body };
}

function shapeOfInfo(result: HttpResult): unknown {
  if (result.dropped) return 'dropped';
  const info = JSON.parse(result.text) as JanusMessage;
  return {
    status: result.status,
    janus: info.janus,
    transaction: typeof info.transaction === 'string' ? info.transaction.length : undefined,
    http: typeof info.transports === 'object' && info.transports !== null && 'janus.transport.http' in info.transports,
  };
}

const scripts: Record<string, Script> = {
  'bodies: bad JSON, non-objects, empty': async (c, rec) => {
    rec(describeHttp(await c.postRaw('', '{"janus": "ping", '), 'JSON error: on line 1: '.length));
    rec(describeHttp(await c.postRaw('', '{"janus": "ping",\n "x": }'), 'JSON error: on line 2: '.length));
    rec(describeHttp(await c.postRaw('', '5')));
    rec(describeHttp(await c.postRaw('', '  \n  ')));
    rec(describeHttp(await c.postRaw('', '[{"janus":"ping","transaction":"x"}]')));
    rec(describeHttp(await c.postRaw('', '"ping"')));
    rec(describeHttp(await c.postRaw('', '')));
    rec(describeHttp(await c.postRaw('', undefined)));
    // janus.js's sendBeacon posts text/plain: the Content-Type is not looked at.
    rec(describeHttp(await c.postRaw('', '{"janus":"ping","transaction":"beacon"}', { 'Content-Type': 'text/plain;charset=UTF-8' })));
  },
  'methods and paths': async (c, rec) => {
    const base = c.baseUrl;
    rec(describeHttp(await rawHttp('PUT', base, { body: '{}' })));
    rec(describeHttp(await rawHttp('DELETE', `${base}/1`)));
    rec(describeHttp(await rawHttp('HEAD', base)));
    rec(shapeOfInfo(await c.get('/info')));
    rec(describeHttp(await c.postRaw('/info', '{"janus":"info","transaction":"x"}')));
    rec(describeHttp(await c.postRaw('/info', '')));
    rec(describeHttp(await c.get('/ping')));
    rec(describeHttp(await c.get('')));
    rec(describeHttp(await c.get('/')));
    rec(describeHttp(await rawHttp('GET', base.replace(/\/janus$/, '/other'))));
    rec(describeHttp(await rawHttp('GET', `${base}x`)));
    rec(describeHttp(await c.get('/12345678')));
    rec(describeHttp(await c.get('/abc')));
    rec(describeHttp(await c.get('/12345678/1/2')));
    rec(describeHttp(await c.postRaw('/12345678/1/2', '{"janus":"keepalive","transaction":"x"}')));
  },
  'ids from the path': async (c, rec) => {
    const s = await c.create();
    const h = await c.attach(s);
    rec(await c.post(`/${s}`, { janus: 'keepalive', session_id: s + 1 }));
    rec(await c.post(`/${s}/${h}`, { janus: 'keepalive', handle_id: h + 1 }));
    rec(await c.post(`/${s}`, { janus: 'keepalive', session_id: 'x' }));
    rec(await c.post(`/${s}/${h}`, { janus: 'hangup', handle_id: null }));
    rec(await c.post('/abc', { janus: 'keepalive' }));
    rec(await c.post('/abc', { janus: 'keepalive', session_id: s }));
    rec(await c.post('', { janus: 'keepalive', session_id: s }));
    rec(await c.post(`/${s}x`, { janus: 'keepalive' }));
    rec(describeHttp(await c.get(`/${s}/${h}`)));
    rec(await c.post(`/${s}`, { janus: 'destroy' }));
    rec(describeHttp(await c.get(`/${s}`)));
  },
  'long poll shapes and maxev': async (c, rec) => {
    const s = await c.create();
    const at = `/${s}/${await c.attach(s)}`;
    const message = async (): Promise<void> => {
      await c.post(at, { janus: 'message', body: { audio: true } });
      await sleep(150); // the EchoTest answers in a few ms: let the event reach the queue
    };
    for (const maxev of [undefined, 'abc', '0', '-3', '1', '2x', '5']) {
      await message();
      rec(describeHttp(await c.poll(s, maxev === undefined ? {} : { maxev, rid: Date.now() })));
    }
    await message();
    await message();
    rec(describeHttp(await c.poll(s, { maxev: 5 })));
    // Two polls waiting: the event goes to the first, the second gets a keepalive at once.
    const first = c.poll(s, { maxev: 1 });
    await sleep(100);
    const second = c.poll(s, { maxev: 3 });
    await sleep(100);
    await c.post(at, { janus: 'message', body: { audio: true } });
    rec(describeHttp(await first));
    rec(describeHttp(await second));
    rec(await c.post(`/${s}`, { janus: 'destroy' }));
  },
  'CORS': async (c, rec) => {
    const preflight = { Origin: 'http://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' };
    rec(describeHttp(await rawHttp('OPTIONS', c.baseUrl, { headers: preflight })));
    rec(describeHttp(await rawHttp('OPTIONS', `${c.baseUrl}/123/456`, { headers: preflight })));
    rec(describeHttp(await c.postRaw('', '{"janus":"ping","transaction":"x"}', { Origin: 'http://app.example' })));
    rec(describeHttp(await c.get('/12345678', preflight)));
    rec(describeHttp(await c.postRaw('', '{"janus":"ping"', preflight), 10));
  },
};

async function run(url: string, script: Script): Promise<unknown[]> {
  const client = new JanusHttpClient(url);
  const normalizer = new IdNormalizer();
  const out: unknown[] = [];
  await script(client, (m) => out.push(normalizer.normalize(m)));
  return out;
}

describe('HTTP transport: proxy behaves exactly as Janus 1.1.2', () => {
  let janusDirect: JanusInstance;
  let janusBehind: JanusInstance;
  let proxy: TestProxy;

  before(async () => {
    [janusDirect, janusBehind] = await Promise.all([startJanus({ netns: false, plugins: ['echotest'] }), startJanus({ netns: false, plugins: ['echotest'] })]);
    proxy = await startTestProxy([janusBehind]);
  });
  after(async () => {
    await proxy.stop();
    await Promise.all([janusDirect.stop(), janusBehind.stop()]);
  });

  for (const [name, script] of Object.entries(scripts)) {
    it(name, async () => {
      const expected = await run(janusDirect.httpUrl, script);
      const actual = await run(proxy.httpUrl ?? '', script);
      assert.deepEqual(actual, expected);
    });
  }
});
