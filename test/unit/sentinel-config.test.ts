import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/load.js';
import { applySentinelEnv, parseSentinelConfig, redactedSentinelConfig } from '../../src/config/sentinel-load.js';
import { applySentinelFlags } from '../../src/config/sentinel-flags.js';
import { splitCommandLine } from '../../src/config/command-line.js';
import { defaultServerName, resolveIdentity } from '../../src/sentinel/identity.js';
import { callbackUrl } from '../../src/sentinel/report-sinks.js';

const minimal = { report: { proxies: [{ url: 'http://127.0.0.1:8100', token: 'sentinel-token' }] }, admin_api: { token: 'admin-token-123' } };
const rejects = (input: unknown, pattern: RegExp): void => {
  assert.throws(() => parseSentinelConfig(input), (err: unknown) => err instanceof ConfigError && pattern.test(err.message), String(pattern));
};

describe('sentinel configuration', () => {
  it('fills every default and freezes the result', () => {
    const config = parseSentinelConfig(minimal);
    assert.equal(config.janus.ws_url, 'ws://127.0.0.1:8188');
    assert.equal(config.janus.admin_ws_url, undefined);
    assert.equal(config.monitor.ping_interval_ms, 1_000);
    assert.equal(config.monitor.ping_timeout_ms, 1_500);
    assert.equal(config.report.interval_ms, 5_000);
    assert.equal(config.report.expire_s, 15);
    assert.equal(config.drain.on_stop, true);
    assert.equal(config.sweeper.description_marker, 'janus-cloud:');
    assert.deepEqual(config.sweeper.plugins, ['videoroom', 'audiobridge']);
    assert.equal(config.admin_api.host, '127.0.0.1');
    assert.equal(config.process.command, undefined);
    assert.ok(Object.isFrozen(config.report.proxies[0]));
  });

  it('names the path of unknown keys and bad values', () => {
    rejects({ ...minimal, janus: { ws_uri: 'x' } }, /janus: unknown key\(s\) ws_uri/);
    rejects({ ...minimal, janus: { public_url: 'http://x:1' } }, /janus\.public_url: a ws:\/\/ or wss:\/\/ URL/);
    rejects({ ...minimal, janus: { server_name: 'has space' } }, /janus\.server_name/);
    rejects({ ...minimal, monitor: { ping_interval_ms: 10 } }, /monitor\.ping_interval_ms/);
    rejects({ ...minimal, sweeper: { plugins: ['textroom'] } }, /sweeper\.plugins\.0/);
    rejects({ ...minimal, report: { proxies: [{ url: 'http://x', token: 'short' }] } }, /report\.proxies\.0\.token: at least 8 characters/);
  });

  it('requires somewhere to report, an admin token, and an expiry longer than two intervals', () => {
    rejects({ admin_api: { token: 'admin-token-123' } }, /report\.proxies: configure at least one proxy/);
    rejects({ report: minimal.report }, /admin_api\.token: token is required/);
    assert.equal(parseSentinelConfig({ report: minimal.report, admin_api: { enabled: false } }).admin_api.enabled, false);
    rejects({ ...minimal, report: { ...minimal.report, interval_ms: 10_000, expire_s: 15 } }, /report\.expire_s: must be at least twice/);
    assert.ok(parseSentinelConfig({ admin_api: minimal.admin_api, report: { redis: { url: 'redis://127.0.0.1:6379' } } }).report.redis);
  });

  it('takes the command as a list or a shell-like string, and either supervises or watches', () => {
    const fromString = parseSentinelConfig({ ...minimal, process: { command: 'janus -C "/etc/my janus/janus.jcfg" -F /etc/janus' } });
    assert.deepEqual(fromString.process.command, ['janus', '-C', '/etc/my janus/janus.jcfg', '-F', '/etc/janus']);
    const fromList = parseSentinelConfig({ ...minimal, process: { command: ['janus', '--debug-level=4'] } });
    assert.deepEqual(fromList.process.command, ['janus', '--debug-level=4']);
    rejects({ ...minimal, process: { command: 'janus "unterminated' } }, /process\.command: unterminated " quote/);
    rejects({ ...minimal, process: { command: 'janus', pid_file: '/run/janus.pid' } }, /process: set either command/);
  });

  it('lets the environment supply secrets and --log-level override the file', () => {
    const input = applySentinelEnv(applySentinelFlags({ ...minimal, admin_api: {} }, { 'log-level': 'debug' }), {
      JANUS_SENTINEL_ADMIN_TOKEN: 'token-from-env', JANUS_SENTINEL_ROOM_SECRET: 'room-secret', JANUS_SENTINEL_API_SECRET: '',
    });
    const config = parseSentinelConfig(input);
    assert.equal(config.admin_api.token, 'token-from-env');
    assert.equal(config.sweeper.room_secret, 'room-secret');
    assert.equal(config.janus.api_secret, undefined, 'an empty variable is ignored');
    assert.equal(config.log.level, 'debug');
  });

  it('hides every secret when printed, including a Redis password', () => {
    const config = parseSentinelConfig({
      ...minimal, janus: { api_secret: 'api-s', admin_secret: 'admin-s' }, sweeper: { room_secret: 'room-s', admin_key: 'key-s' },
      report: { ...minimal.report, redis: { url: 'redis://user:pa55word@10.0.0.7:6379' } },
    });
    const text = redactedSentinelConfig(config);
    for (const secret of ['api-s', 'admin-s', 'room-s', 'key-s', 'sentinel-token', 'admin-token-123', 'pa55word']) assert.ok(!text.includes(secret), secret);
    assert.match(text, /redis:\/\/user:\*\*\*@10\.0\.0\.7:6379/);
  });
});

describe('sentinel identity', () => {
  it('defaults the name to <hostname>-<port>, squeezed into the report alphabet', () => {
    assert.equal(defaultServerName('media-07.example.net', '8188'), 'media-07.example.net-8188');
    assert.equal(defaultServerName('weird host!', '8188'), 'weird_host_-8188');
    assert.equal(defaultServerName('h'.repeat(100), '8188').length, 64);
  });

  it('is stable: the same config gives the same name every time', () => {
    const config = { ws_url: 'ws://127.0.0.1:8188' };
    assert.equal(resolveIdentity(config, () => '10.0.0.9').name, resolveIdentity(config, () => '10.0.0.9').name);
  });

  it('takes name and public URL from the config, else the first external IPv4 and the local port', () => {
    assert.deepEqual(resolveIdentity({ server_name: 'janus-a', public_url: 'wss://a.example.net', ws_url: 'ws://127.0.0.1:8188' }), { name: 'janus-a', publicUrl: 'wss://a.example.net' });
    assert.equal(resolveIdentity({ ws_url: 'ws://127.0.0.1:8188' }, () => '10.0.0.9').publicUrl, 'ws://10.0.0.9:8188');
    assert.equal(resolveIdentity({ ws_url: 'ws://127.0.0.1:8188' }, () => undefined).publicUrl, 'ws://127.0.0.1:8188');
  });
});

describe('sentinel helpers', () => {
  it('splits command lines like a shell, without one', () => {
    assert.deepEqual(splitCommandLine(`janus  -C '/a b/c' "-F" x\\ y "q\\"uote"`), ['janus', '-C', '/a b/c', '-F', 'x y', 'q"uote']);
    assert.deepEqual(splitCommandLine('a "" b'), ['a', '', 'b']);
    assert.deepEqual(splitCommandLine('  '), []);
    assert.throws(() => splitCommandLine("a 'b"), /unterminated ' quote/);
  });

  it('posts to <proxy admin URL>/sentinel_callback', () => {
    assert.equal(callbackUrl('http://10.0.0.5:8100'), 'http://10.0.0.5:8100/sentinel_callback');
    assert.equal(callbackUrl('http://10.0.0.5:8100/'), 'http://10.0.0.5:8100/sentinel_callback');
    assert.equal(callbackUrl('https://p.example.net/admin/sentinel_callback'), 'https://p.example.net/admin/sentinel_callback');
  });
});
