// janus-proxy's runtime flags are given at every place it is started from as a process (V8 reads
// them only at start-up): the sh preamble of the command, the shipped systemd unit, `npm run
// cluster` and the test fixtures. The preamble itself is run here through /bin/sh, as the kernel
// runs `dist/cli/janus-proxy.js`, so a typo in it or a flag this Node does not know shows up here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gcMode, PROXY_NODE_FLAGS } from '../../src/cli/runtime-flags.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const FLAGS = PROXY_NODE_FLAGS.join(' ');

describe('janus-proxy runtime flags', () => {
  it('single-threaded garbage collection is among them, however it is spelled', () => {
    assert.ok(PROXY_NODE_FLAGS.includes('--single-threaded-gc'));
    assert.equal(gcMode(PROXY_NODE_FLAGS), 'single-threaded');
    assert.equal(gcMode(['--single_threaded_gc']), 'single-threaded');
    assert.equal(gcMode(['--single-threaded']), 'single-threaded');
    assert.equal(gcMode(['--max-old-space-size=512']), 'parallel');
    assert.equal(gcMode([]), 'parallel');
  });

  it('allocation-site pretenuring is off (short-lived per-message objects stay in the young generation)', () => {
    assert.ok(PROXY_NODE_FLAGS.includes('--no-allocation-site-pretenuring'));
  });

  it('the command starts node with them from its sh preamble (kept by tsc in dist/)', () => {
    const [shebang, preamble] = read('src/cli/janus-proxy.ts').split('\n');
    assert.equal(shebang, '#!/bin/sh');
    assert.equal(preamble, `//bin/true; exec node ${FLAGS} "$0" "$@"`);
  });

  it('the preamble, run by /bin/sh, runs the file with node and those flags (same pid, arguments kept)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jc-flags-'));
    try {
      const [shebang, preamble] = read('src/cli/janus-proxy.ts').split('\n');
      const script = join(dir, 'probe.mjs');
      writeFileSync(script, `${String(shebang)}\n${String(preamble)}\nprocess.stdout.write(JSON.stringify({ execArgv: process.execArgv, args: process.argv.slice(2) }));\n`);
      // The node the preamble finds on PATH is the one running these tests.
      const run = spawnSync('/bin/sh', [script, '--a', 'b c'], { encoding: 'utf8', env: { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` } });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.deepEqual(JSON.parse(run.stdout), { execArgv: [...PROXY_NODE_FLAGS], args: ['--a', 'b c'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the shipped systemd unit and npm run cluster start the proxy with them', () => {
    const execStart = read('conf/janus-proxy.service').split('\n').find((line) => line.startsWith('ExecStart='));
    assert.equal(execStart, `ExecStart=/usr/bin/node ${FLAGS} dist/cli/janus-proxy.js -c /etc/janus-cloud/janus-proxy.yml`);
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    assert.match(scripts.cluster ?? '', new RegExp(`node ${FLAGS} `));
  });

  it('the test fixtures that spawn the proxy start it with them', () => {
    assert.match(read('test/support/proxy-process.ts'), /spawn\(process\.execPath, \[\.\.\.PROXY_NODE_FLAGS,/);
    assert.match(read('test/integration/open-stores.test.ts'), /spawn\(process\.execPath, \[\.\.\.PROXY_NODE_FLAGS,/);
  });
});
