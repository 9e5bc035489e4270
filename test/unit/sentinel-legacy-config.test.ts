import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isLegacySentinelConfig, migrateLegacySentinelConfig } from '../../src/config/legacy-sentinel.js';
import { applySentinelEnv, parseSentinelConfig, readSentinelConfigFile } from '../../src/config/sentinel-load.js';

const run = promisify(execFile);
const FIXTURE = 'test/fixtures/original-janus-sentinel.yml';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/janus-sentinel.ts', ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const warned = (warnings: readonly string[], text: string): void => {
  assert.ok(warnings.some((w) => w.includes(text)), `no warning containing "${text}" in:\n${warnings.join('\n')}`);
};

describe('original janus-cloud sentinel config', () => {
  it('is recognised by its own sections and keys, and ours is not', () => {
    assert.equal(isLegacySentinelConfig({ posters: [] }), true);
    assert.equal(isLegacySentinelConfig({ janus: { server_ip: '127.0.0.1' } }), true);
    assert.equal(isLegacySentinelConfig({ janus: { ws_url: 'ws://127.0.0.1:8188' }, report: { proxies: [] } }), false);
    assert.equal(isLegacySentinelConfig('text'), false);
  });

  it('migrates every key of the fixture onto the schema, with a warning per renamed or ignored key', () => {
    const { raw, warnings } = readSentinelConfigFile(FIXTURE);
    const config = parseSentinelConfig(applySentinelEnv(raw, { JANUS_SENTINEL_ADMIN_TOKEN: 'admin-token-123' }));
    assert.equal(config.janus.server_name, 'media-07');
    assert.equal(config.janus.ws_url, 'ws://127.0.0.1:8188');
    assert.equal(config.janus.public_url, 'ws://203.0.113.17:8188');
    assert.equal(config.janus.admin_ws_url, 'ws://127.0.0.1:7188');
    assert.equal(config.janus.admin_secret, 'janusoverlord');
    assert.deepEqual([config.janus.location, config.janus.isp], ['eu-west', 'example-net']);
    assert.equal(config.monitor.ping_interval_ms, 5_000);
    assert.equal(config.monitor.load_interval_ms, 10_000);
    assert.equal(config.monitor.request_timeout_ms, 10_000);
    assert.equal(config.monitor.overload_rtt_ms, 1_000);
    assert.deepEqual(config.process.command, ['/opt/janus/bin/janus', '-C', '/opt/janus/etc/janus/janus.jcfg', '-F', '/opt/janus/etc/janus']);
    assert.equal(config.process.restart_initial_delay_ms, 10_000);
    assert.equal(config.sweeper.enabled, true);
    assert.equal(config.sweeper.interval_ms, 30_000);
    assert.equal(config.sweeper.idle_timeout_ms, 600_000);
    assert.equal(config.sweeper.description_marker, 'janus-cloud:');
    assert.equal(config.log.level, 'info');
    assert.deepEqual([config.admin_api.host, config.admin_api.port], ['0.0.0.0', 8200]);
    assert.deepEqual(config.report.proxies, [
      { url: 'http://10.0.0.5:8100', token: 'sentinel-token-one' },
      { url: 'http://10.0.0.6:8100', token: 'sentinel-token-two' },
    ]);
    assert.equal(config.report.expire_s, 60);
    assert.equal(config.report.timeout_ms, 10_000);

    assert.ok(warnings.every((w) => w.startsWith(`${FIXTURE}: `)));
    for (const text of [
      'janus.server_ip + janus.ws_port are now janus.ws_url (ws://127.0.0.1:8188)',
      'janus.public_ip + janus.ws_port are now janus.public_url',
      'janus.admin_ws_port is now janus.admin_ws_url',
      'janus.pingpong_interval (s) is now monitor.ping_interval_ms',
      'janus.hwm_threshold (s) is now monitor.overload_rtt_ms',
      'proc_watcher.cmdline is now process.command',
      'proc_watcher.error_restart_interval (s) is now process.restart_initial_delay_ms',
      'proc_watcher.poll_interval is not used',
      'videoroom_sweeper.enable is now sweeper.enabled',
      "videoroom_sweeper.des_filter 'januscloud-' is now sweeper.description_marker",
      'general.daemonize is not used',
      'log.log_to_file is not used',
      'log.debug_level is now log.level',
      'admin_api.json is not used',
      'admin_api.http_listen is now admin_api.host + admin_api.port',
      'posters[].post_urls are now report.proxies[].url',
      'posters[].expire is now report.expire_s',
      'posters[].http_timeout (s) is now report.timeout_ms',
      'posters[].name is not used',
      'posters[].post_urls ?token= is now report.proxies[].token',
    ]) warned(warnings, text);
    assert.equal(warnings.filter((w) => w.includes('no token')).length, 0);
  });

  it('says that a token must be configured for a post URL without one, and keeps what it cannot map', () => {
    const { config, warnings } = migrateLegacySentinelConfig({
      janus: { server_name: '', server_ip: '', public_ip: '', ws_port: 8288, admin_ws_port: 0 },
      proc_watcher: { cmdline: '', error_restart_interval: 0 },
      videoroom_sweeper: { des_filter: 'myrooms-' },
      posters: [
        { post_type: 'http', name: '', post_urls: ['http://127.0.0.1:8100/sentinel_callback'], expire: 6 },
        { post_type: 'mqtt', name: 'other', post_urls: ['mqtt://x'] },
      ],
    });
    assert.deepEqual(config, {
      janus: { ws_url: 'ws://127.0.0.1:8288' },
      sweeper: { description_marker: 'myrooms-' },
      report: { proxies: [{ url: 'http://127.0.0.1:8100' }], expire_s: 6, interval_ms: 2_000 },
    });
    warned(warnings, 'posters[].post_urls http://127.0.0.1:8100: the original sentinel sent no token');
    warned(warnings, 'set report.proxies[].token');
    warned(warnings, 'janus.server_name "" (a new random name on every start) is now unset');
    warned(warnings, 'janus.public_ip is now janus.public_url; left unset');
    warned(warnings, 'janus.admin_ws_port 0 is now an unset janus.admin_ws_url');
    warned(warnings, 'error_restart_interval 0 (never restart) has no equivalent');
    warned(warnings, "it must match the proxy's videoroom.room_marker");
    warned(warnings, 'post_type "mqtt" ignored');
    // Without a token the schema still refuses the migrated config, naming the key.
    assert.throws(() => parseSentinelConfig({ ...config, admin_api: { enabled: false } }), /report\.proxies\.0\.token/);
  });

  it('--check-config passes on the original file and prints a warning per renamed key on stderr', async () => {
    const { code, stdout, stderr } = await cli(['--check-config', '-c', FIXTURE], { JANUS_SENTINEL_ADMIN_TOKEN: 'admin-token-123' });
    assert.equal(code, 0, stderr);
    const shown = JSON.parse(stdout) as { janus: { ws_url: string }; report: { proxies: { url: string; token: string }[] } };
    assert.equal(shown.janus.ws_url, 'ws://127.0.0.1:8188');
    assert.deepEqual(shown.report.proxies.map((p) => [p.url, p.token]), [['http://10.0.0.5:8100', '***'], ['http://10.0.0.6:8100', '***']]);
    assert.match(stderr, /janus-sentinel: warning: test\/fixtures\/original-janus-sentinel\.yml: janus\.server_ip \+ janus\.ws_port are now janus\.ws_url/);
    assert.match(stderr, /warning: .*posters\[\]\.post_urls are now report\.proxies\[\]\.url/);
    assert.doesNotMatch(stdout, /sentinel-token-one|janusoverlord/);
  });

  it('without the admin token the migrated file is refused, after the warning that explains it', async () => {
    const { code, stderr } = await cli(['--check-config', '-c', FIXTURE], { JANUS_SENTINEL_ADMIN_TOKEN: '' });
    assert.equal(code, 2);
    assert.match(stderr, /admin API now needs admin_api\.token \(or JANUS_SENTINEL_ADMIN_TOKEN\)/);
    assert.match(stderr, /admin_api\.token: token is required/);
  });
});
