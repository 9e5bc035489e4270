// Janus token authentication at the proxy, compared with a real Janus configured the same way:
// stored tokens (managed over the Janus Admin API) and signed tokens, every case (valid, missing,
// unknown, expired, forged, wrong realm, wrong plugin). The Janus behind the proxy has token_auth on
// too: the proxy reaches it with its own per-backend token, never a client's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adminRequest, JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { IdNormalizer } from '../support/normalize.js';
import { startJanus } from '../support/janus-fixture.js';
import { startTestProxy, TEST_ADMIN_TOKEN, type TestProxy } from '../support/proxy-fixture.js';
import { AdminClient } from '../support/admin-client.js';
import { rawHttp } from '../support/janus-http-client.js';
import { signToken } from '../../src/core/token-auth.js';

const ECHO = 'janus.plugin.echotest';
const ROOM = 'janus.plugin.videoroom';
const PLUGINS = ['echotest', 'videoroom'];
const SIGNING_SECRET = 'token-signing-secret';
const PROXY_ADMIN_SECRET = 'proxy-admin-secret';

type Target = { api: string; admin: string; secret: string };
type Record = (m: JanusMessage) => void;
type Script = (t: Target, rec: Record) => Promise<void>;

function adminWs(proxy: TestProxy): string {
  const url = proxy.janusAdminUrl;
  if (!url) throw new Error('the proxy has no Janus Admin API');
  return url.replace(/^http/, 'ws').replace(/\/admin$/, '');
}

/** Runs `script` against a target and returns its normalised transcript. */
async function transcript(target: Target, script: Script): Promise<unknown[]> {
  const out: unknown[] = [];
  const norm = new IdNormalizer();
  await script(target, (m) => out.push(norm.message(m)));
  return out;
}

const admin = (t: Target, body: { [key: string]: unknown }): Promise<JanusMessage> => adminRequest(t.admin, t.secret, body);

/** Create, attach to both plugins and keepalive with `token`; what each answered. */
async function useToken(t: Target, rec: Record, token: string | undefined): Promise<void> {
  const c = await JanusTestClient.connect(t.api, 'janus-protocol', token === undefined ? {} : { token });
  try {
    const created = await c.request({ janus: 'create' });
    rec(created);
    const session = (created.data as { id?: number } | undefined)?.id;
    if (session === undefined) return;
    rec(await c.request({ janus: 'attach', session_id: session, plugin: ECHO }));
    rec(await c.request({ janus: 'attach', session_id: session, plugin: ROOM }));
    rec(await c.request({ janus: 'attach', session_id: session, plugin: ECHO, token: 'not-a-token' }));
    rec(await c.request({ janus: 'keepalive', session_id: session, token: undefined }));
    rec(await c.request({ janus: 'destroy', session_id: session }));
  } finally {
    await c.close();
  }
}

const storedScript: Script = async (t, rec) => {
  const info = await JanusTestClient.connect(t.api).then(async (c) => { try { return await c.request({ janus: 'info' }); } finally { await c.close(); } });
  rec({ janus: info.janus, auth_token: info.auth_token });
  await useToken(t, rec, undefined);
  rec(await admin(t, { janus: 'add_token', token: 'tok-echo', plugins: [ECHO, 'janus.plugin.nope', 7] }));
  const all = await admin(t, { janus: 'add_token', token: 'tok-all' });
  rec({ janus: all.janus, has_echo: (all.data as { plugins: string[] }).plugins.includes(ECHO) });
  await useToken(t, rec, 'tok-echo');
  await useToken(t, rec, 'tok-unknown');
  rec(await admin(t, { janus: 'allow_token', token: 'tok-echo', plugins: [ROOM] }));
  await useToken(t, rec, 'tok-echo');
  rec(await admin(t, { janus: 'disallow_token', token: 'tok-echo', plugins: [ROOM] }));
  rec(await admin(t, { janus: 'allow_token', token: 'tok-unknown', plugins: [ROOM] }));
  rec(await admin(t, { janus: 'allow_token', token: 'tok-echo', plugins: [] }));
  rec(await admin(t, { janus: 'allow_token', token: 'tok-echo' }));
  rec(await admin(t, { janus: 'allow_token', token: 'tok-echo', plugins: ['janus.plugin.nope'] }));
  rec(await admin(t, { janus: 'add_token', token: 5 }));
  rec(await admin(t, { janus: 'add_token' }));
  rec(await admin(t, { janus: 'add_token', token: 'tok-none', plugins: ['janus.plugin.nope'] }));
  const listed = await admin(t, { janus: 'list_tokens' });
  const tokens = (listed.data as { tokens: { token: string; allowed_plugins: string[] }[] }).tokens;
  rec({ janus: listed.janus, tokens: tokens.filter((x) => x.token !== 'tok-all').sort((a, b) => a.token.localeCompare(b.token)) });
  rec(await admin(t, { janus: 'remove_token', token: 'tok-echo' }));
  rec(await admin(t, { janus: 'remove_token', token: 'tok-echo' }));
  await useToken(t, rec, 'tok-echo');
  rec(await admin(t, { janus: 'list_tokens', admin_secret: 'wrong' }));
  rec(await adminRequest(t.admin, '', { janus: 'add_token', token: 'x', admin_secret: undefined }));
};

const now = (): number => Math.floor(Date.now() / 1000);

const signedScript: Script = async (t, rec) => {
  await useToken(t, rec, signToken(SIGNING_SECRET, now() + 3600, [ECHO]));
  await useToken(t, rec, signToken(SIGNING_SECRET, now() + 3600, [ECHO, ROOM]));
  await useToken(t, rec, signToken(SIGNING_SECRET, now() + 3600, ['janus.plugin.echotest.more']));
  await useToken(t, rec, signToken(SIGNING_SECRET, now() - 10, [ECHO]));
  await useToken(t, rec, signToken('another-secret', now() + 3600, [ECHO]));
  await useToken(t, rec, signToken(SIGNING_SECRET, now() + 3600, [ECHO]).replace(',janus,', ',other,'));
  await useToken(t, rec, `${String(now() + 3600)},janus,${ECHO}`);
  await useToken(t, rec, 'garbage');
  await useToken(t, rec, undefined);
  rec(await admin(t, { janus: 'add_token', token: 'x' }));
  rec(await admin(t, { janus: 'list_tokens' }));
};

async function compare(mode: 'stored' | 'signed', script: Script): Promise<void> {
  const janusOptions = { netns: false, plugins: PLUGINS, tokenAuth: true, ...(mode === 'signed' ? { tokenAuthSecret: SIGNING_SECRET } : {}) };
  const [direct, behind] = await Promise.all([startJanus(janusOptions), startJanus(janusOptions)]);
  let proxy: TestProxy | undefined;
  try {
    const backendToken = mode === 'signed' ? signToken(SIGNING_SECRET, now() + 86_400, [ECHO, ROOM]) : 'proxy-backend-token';
    if (mode === 'stored') await adminRequest(behind.adminWsUrl, behind.adminSecret, { janus: 'add_token', token: backendToken });
    proxy = await startTestProxy([behind], {
      general: { token_auth: true, admin_secret: PROXY_ADMIN_SECRET, ...(mode === 'signed' ? { token_auth_secret: SIGNING_SECRET } : {}) },
      janus_admin: { enabled: true },
      janus_server: [{ name: behind.name, url: behind.wsUrl, token: backendToken }],
    });
    const expected = await transcript({ api: direct.wsUrl, admin: direct.adminWsUrl, secret: direct.adminSecret }, script);
    const actual = await transcript({ api: proxy.url, admin: adminWs(proxy), secret: PROXY_ADMIN_SECRET }, script);
    if (process.env.DUMP_TRANSCRIPT) console.log(JSON.stringify(expected));
    assert.deepEqual(actual, expected);
  } finally {
    await proxy?.stop();
    await Promise.all([direct.stop(), behind.stop()]);
  }
}

describe('token auth at the proxy answers as Janus does', { timeout: 120_000 }, () => {
  it('stored tokens: admin requests, create, attach per plugin, missing and removed tokens', async () => {
    await compare('stored', storedScript);
  });

  it('signed tokens: valid, wrong plugin, expired, forged, wrong realm, unsigned, missing', async () => {
    await compare('signed', signedScript);
  });
});


describe('the REST admin API manages the same stored tokens', { timeout: 60_000 }, () => {
  it('add, allow, disallow, list and remove a token; a client uses it meanwhile', async () => {
    const backend = await startJanus({ netns: false, plugins: PLUGINS });
    const proxy = await startTestProxy([backend], { general: { token_auth: true }, http_transport: { long_poll_timeout_ms: 200 } });
    try {
      const rest = new AdminClient(proxy.adminUrl ?? '', TEST_ADMIN_TOKEN);
      assert.equal((await rest.request('GET', '/tokens', undefined, { token: null })).status, 401);
      assert.deepEqual(await rest.ok('POST', '/tokens', { token: 'rest-token', plugins: [ECHO] }), { token: 'rest-token', plugins: [ECHO] });
      const client = await JanusTestClient.connect(proxy.url, 'janus-protocol', { token: 'rest-token' });
      try {
        const session = (await client.request({ janus: 'create' })).data as { id: number };
        assert.equal((await client.request({ janus: 'attach', session_id: session.id, plugin: ROOM })).janus, 'error');
        assert.deepEqual(await rest.ok('POST', '/tokens/rest-token/allow', { plugins: [ROOM] }), { token: 'rest-token', plugins: [ECHO, ROOM] });
        assert.equal((await client.request({ janus: 'attach', session_id: session.id, plugin: ROOM })).janus, 'success');
        // The HTTP transport's long poll takes the token as a query parameter, as Janus's does.
        const created = await rawHttp('POST', proxy.httpUrl ?? '', { body: JSON.stringify({ janus: 'create', transaction: 'h', token: 'rest-token' }) });
        const httpSession = (JSON.parse((created as { text: string }).text) as { data: { id: number } }).data.id;
        const poll = `${proxy.httpUrl ?? ''}/${String(httpSession)}`;
        assert.equal(((await rawHttp('GET', poll)) as { status?: number }).status, 403);
        assert.equal(((await rawHttp('GET', `${poll}?token=wrong`)) as { status?: number }).status, 403);
        assert.equal(((await rawHttp('GET', `${poll}?token=rest-token`)) as { status?: number }).status, 200);
        assert.deepEqual(await rest.ok('POST', '/tokens/rest-token/disallow', { plugins: [ECHO] }), { token: 'rest-token', plugins: [ROOM] });
        assert.deepEqual(await rest.ok('GET', '/tokens'), { tokens: [{ token: 'rest-token', allowed_plugins: [ROOM] }] });
        assert.equal((await rest.request('POST', '/tokens/nope/allow', { plugins: [ROOM] })).status, 404);
        assert.equal((await rest.request('POST', '/tokens', { plugins: [ROOM] })).status, 400);
        assert.deepEqual(await rest.ok('DELETE', '/tokens/rest-token'), { removed: 'rest-token' });
        assert.equal((await rest.request('DELETE', '/tokens/rest-token')).status, 404);
        assert.equal(((await client.request({ janus: 'keepalive', session_id: session.id })).error as { code: number }).code, 403);
      } finally {
        await client.close();
      }
    } finally {
      await proxy.stop();
      await backend.stop();
    }
  });
});
