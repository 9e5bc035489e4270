import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEnvOverrides } from '../../src/config/env.js';
import { loadProxyConfig } from '../../src/config/proxy-config.js';
import { runCli } from '../support/processes.js';

const cli = (args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof runCli> => runCli('janus-proxy', args, env);

describe('config loading', () => {
  it('applies environment overrides with their types', () => {
    const { config, applied } = applyEnvOverrides({ general: { server_name: 'x' } }, 'JANUS_PROXY', {
      JANUS_PROXY__WS_TRANSPORT__PORT: '9000',
      JANUS_PROXY__GENERAL__API_SECRET: 's3cret',
      JANUS_PROXY__ADMIN_API__CORS_ORIGINS: '[https://a.example, https://b.example]',
      OTHER: 'ignored',
    });
    assert.deepEqual(config, { general: { server_name: 'x', api_secret: 's3cret' }, ws_transport: { port: 9000 }, admin_api: { cors_origins: ['https://a.example', 'https://b.example'] } });
    assert.deepEqual(applied.sort(), ['admin_api.cors_origins', 'general.api_secret', 'ws_transport.port']);
  });

  it('migrates the original janus-cloud proxy config with a warning per renamed key', () => {
    const { config, warnings } = loadProxyConfig('test/fixtures/original-janus-proxy.yml', (c) => c, {});
    assert.equal(config.general.server_name, 'old-proxy');
    assert.equal(config.backends.select, 'round_robin');
    assert.equal(config.log.level, 'debug');
    assert.deepEqual([config.ws_transport.host, config.ws_transport.port], ['0.0.0.0', 8288]);
    assert.deepEqual([config.admin_api.host, config.admin_api.port], ['0.0.0.0', 8100]);
    assert.deepEqual(config.janus_server, [{ name: 'server1', url: 'ws://127.0.0.1:8188' }]);
    assert.equal(config.general.api_secret, undefined);
    assert.ok(warnings.some((w) => w.includes("general.server_select 'rr' is now backends.select 'round_robin'")));
    assert.ok(warnings.some((w) => w.includes('plugins is not used')));
  });

  it('--check-config passes on the sample config and prints the effective config with secrets masked', async () => {
    const { code, stdout } = await cli(['--check-config', '-c', 'conf/janus-proxy.yml', '--api-secret', 'hidden-value']);
    assert.equal(code, 0);
    const shown = JSON.parse(stdout) as { general: { api_secret: string }; ws_transport: { port: number } };
    assert.equal(shown.general.api_secret, '***');
    assert.equal(shown.ws_transport.port, 8288);
  });

  it('--check-config names the key and the problem in a broken config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jc-config-'));
    const file = join(dir, 'broken.yml');
    writeFileSync(file, 'general:\n  session_timeout: -5\nbackends:\n  select: fastest\n  colour: red\n');
    const { code, stderr } = await cli(['--check-config', '-c', file]);
    assert.equal(code, 2);
    assert.match(stderr, /general\.session_timeout: Too small/);
    assert.match(stderr, /backends\.select: Invalid option/);
    assert.match(stderr, /backends: unknown key\(s\) colour/);
    const env = await cli(['--check-config'], { JANUS_PROXY__WS_TRANSPORT__PORT: 'many' });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /ws_transport\.port/);
  });
});
