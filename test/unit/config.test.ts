import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseProxyConfig } from '../../src/config/load.js';
import { applyFlags } from '../../src/cli/proxy-flags.js';

describe('proxy configuration', () => {
  it('fills every default and freezes the result', () => {
    const config = parseProxyConfig({});
    assert.equal(config.ws_transport.port, 8288);
    assert.equal(config.general.session_timeout, 60);
    assert.equal(config.general.reclaim_session_timeout, undefined); // 0 with memory, 30 with Redis (proxy.ts)
    assert.equal(config.backends.select, 'least_loaded');
    assert.ok(Object.isFrozen(config.ws_transport));
  });

  it('names the path of an unknown key and of a bad value', () => {
    assert.throws(() => parseProxyConfig({ general: { sesion_timeout: 5 } }), (err: unknown) => err instanceof ConfigError && /general: unknown key\(s\) sesion_timeout/.test(err.message));
    assert.throws(() => parseProxyConfig({ backends: { select: 'fastest' } }), (err: unknown) => err instanceof ConfigError && /backends\.select/.test(err.message));
    assert.throws(() => parseProxyConfig({ janus_server: [{ name: 'a', url: 'http://x' }] }), (err: unknown) => err instanceof ConfigError && /janus_server\.0\.url/.test(err.message));
  });

  it('lets command-line flags override the file', () => {
    const merged = applyFlags({ ws_transport: { port: 1, json: 'plain' } }, { 'ws-port': '9000', backend: ['ws://10.0.0.1:8188', 'ws://10.0.0.2:8188'] });
    const config = parseProxyConfig(merged);
    assert.equal(config.ws_transport.port, 9000);
    assert.equal(config.ws_transport.json, 'plain');
    assert.deepEqual(config.janus_server, [
      { name: '10.0.0.1-8188', url: 'ws://10.0.0.1:8188' },
      { name: '10.0.0.2-8188', url: 'ws://10.0.0.2:8188' },
    ]);
  });
});
