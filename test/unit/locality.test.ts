import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalityResolver } from '../../src/cluster/locality.js';

describe('LocalityResolver', () => {
  const resolver = new LocalityResolver([
    { cidr: '10.1.0.0/16', location: 'paris', region: 'eu' },
    { cidr: '10.0.0.0/8', region: 'eu' },
    { cidr: '2001:db8::/32', region: 'us' },
  ]);

  it('uses the first matching rule', () => {
    assert.deepEqual(resolver.resolve({ address: '10.1.2.3' }), { location: 'paris', isp: undefined, region: 'eu' });
    assert.deepEqual(resolver.resolve({ address: '::ffff:10.9.9.9' }), { location: undefined, isp: undefined, region: 'eu' });
    assert.deepEqual(resolver.resolve({ address: '2001:db8::1' }), { location: undefined, isp: undefined, region: 'us' });
    assert.equal(resolver.resolve({ address: '192.0.2.1' }), undefined);
  });

  it('lets header hints win over rules', () => {
    assert.deepEqual(resolver.resolve({ address: '10.1.2.3', hints: { region: 'asia' } }), { location: 'paris', isp: undefined, region: 'asia' });
  });
});
