import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseProxyConfig } from '../../src/config/load.js';
import { applyFlags } from '../../src/cli/proxy-flags.js';
import { redisTarget } from '../../src/store/redis/connection.js';

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
  it('accepts Redis Sentinel and Redis Cluster stores, and refuses what cannot work', () => {
    const sentinels = [{ host: '10.0.0.31', port: 26379 }, { host: '10.0.0.32', port: 26379 }];
    const withSentinel = parseProxyConfig({ store: { type: 'redis', sentinel: { master_name: 'mymaster', sentinels }, wait_replicas: 1 } });
    assert.deepEqual(withSentinel.store.sentinel, { master_name: 'mymaster', sentinels });
    assert.equal(withSentinel.store.wait_replicas, 1);
    assert.equal(withSentinel.store.wait_timeout_ms, 100);
    const withCluster = parseProxyConfig({ store: { type: 'redis', key_prefix: '{jc}:', cluster: { nodes: [{ host: '10.0.0.41', port: 6379 }] } } });
    assert.equal(withCluster.store.cluster?.nodes.length, 1);
    const fails = (store: unknown, path: RegExp): void => {
      assert.throws(() => parseProxyConfig({ store }), (err: unknown) => err instanceof ConfigError && path.test(err.message));
    };
    fails({ type: 'redis', cluster: { nodes: [{ host: 'a', port: 6379 }] } }, /store\.key_prefix.*hash tag/);
    fails({ type: 'redis', key_prefix: '{jc}:', sentinel: { master_name: 'm', sentinels }, cluster: { nodes: sentinels } }, /store\.cluster/);
    fails({ type: 'redis', sentinel: { master_name: 'm', sentinels: [] } }, /store\.sentinel\.sentinels/);
    fails({ type: 'redis', sentinel: { master_name: 'm', sentinels: [{ host: 'a', port: 0 }] } }, /store\.sentinel\.sentinels\.0\.port/);
  });

  it('turns the store section into Redis connection options', () => {
    const config = parseProxyConfig({ store: { type: 'redis', sentinel: { master_name: 'm', sentinels: [{ host: 'a', port: 1 }], password: 'pw' }, wait_replicas: 2, command_timeout_ms: 800 } });
    assert.deepEqual(redisTarget(config.store), {
      url: 'redis://127.0.0.1:6379', keyPrefix: 'janus-cloud:', sentinel: { sentinels: [{ host: 'a', port: 1 }], masterName: 'm', sentinelPassword: 'pw' },
      waitReplicas: 2, waitTimeoutMs: 100, commandTimeoutMs: 800,
    });
  });
});
