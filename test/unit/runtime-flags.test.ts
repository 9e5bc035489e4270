// janus-proxy's runtime flags are given at every place it is started from (V8 reads them only at
// start-up): the shebang of the command, the shipped systemd unit, and the test fixture. A flag
// this Node does not know would stop the proxy from starting, so each is tried here too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gcMode, PROXY_NODE_FLAGS } from '../../src/cli/runtime-flags.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

describe('janus-proxy runtime flags', () => {
  it('single-threaded garbage collection is among them', () => {
    assert.ok(PROXY_NODE_FLAGS.includes('--single-threaded-gc'));
    assert.equal(gcMode(PROXY_NODE_FLAGS), 'single-threaded');
    assert.equal(gcMode([]), 'parallel');
  });

  it('the command starts node with them (its shebang, kept by tsc in dist/)', () => {
    const [shebang] = read('src/cli/janus-proxy.ts').split('\n');
    assert.equal(shebang, `#!/usr/bin/env -S node ${PROXY_NODE_FLAGS.join(' ')}`);
  });

  it('the shipped systemd unit starts the proxy with them', () => {
    const execStart = read('conf/janus-proxy.service').split('\n').find((line) => line.startsWith('ExecStart='));
    assert.equal(execStart, `ExecStart=/usr/bin/node ${PROXY_NODE_FLAGS.join(' ')} dist/cli/janus-proxy.js -c /etc/janus-cloud/janus-proxy.yml`);
  });

  it('the test fixture starts the proxy with them', () => {
    assert.match(read('test/support/proxy-process.ts'), /spawn\(process\.execPath, \[\.\.\.PROXY_NODE_FLAGS,/);
  });

  it('this Node accepts them, through env -S as the shebang passes them', () => {
    const script = 'process.stdout.write(JSON.stringify(process.execArgv))';
    const run = spawnSync('/usr/bin/env', ['-S', `${process.execPath} ${PROXY_NODE_FLAGS.join(' ')} -e ${script}`], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as string[]).slice(0, PROXY_NODE_FLAGS.length), [...PROXY_NODE_FLAGS]);
  });
});
