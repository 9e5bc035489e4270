import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCustomSelector } from '../../src/cluster/custom-selector.js';
import type { BackendSnapshot, SelectionContext } from '../../src/cluster/selection.js';

/** Picks the alphabetically last name among the backends that are up. */
const LAST_UP_SELECTOR = `
export function select(backends, ctx) {
  const up = backends.filter((b) => b.status === 'up').map((b) => b.name).sort();
  const chosen = up.length > 0 ? up[up.length - 1] : undefined;
  return {
    chosen,
    candidates: backends.map((b) => (b.status === 'up'
      ? { name: b.name, eligible: true }
      : { name: b.name, eligible: false, reason: 'status ' + b.status + ' (' + ctx.plugin + ')' })),
  };
}
`;

const ECHO = 'janus.plugin.echotest';
const backend = (name: string, extra: Partial<BackendSnapshot> = {}): BackendSnapshot => ({
  name, connected: true, status: 'up', expired: false, breaker: 'closed', plugins: new Set([ECHO]), sessions: 0, handles: 0, ...extra,
});
const ctx: SelectionContext = { plugin: ECHO, turn: 0, random: () => 0.5 };

describe('custom selector module', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'jc-selector-'));
    writeFileSync(join(dir, 'last-up.mjs'), LAST_UP_SELECTOR);
    writeFileSync(join(dir, 'no-select.mjs'), 'export const select = 42;\nexport function pick() { return undefined; }\n');
  });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('loads a module exporting select() and uses its choice', async () => {
    const select = await loadCustomSelector(join(dir, 'last-up.mjs'));
    const snapshot = [backend('media-a'), backend('media-z', { status: 'down' }), backend('media-m'), backend('media-q', { status: 'draining' })];
    const result = select(snapshot, ctx);
    assert.equal(result.chosen, 'media-m');
    assert.deepEqual(result.candidates, [
      { name: 'media-a', eligible: true },
      { name: 'media-z', eligible: false, reason: `status down (${ECHO})` },
      { name: 'media-m', eligible: true },
      { name: 'media-q', eligible: false, reason: `status draining (${ECHO})` },
    ]);
    assert.equal(select([backend('b'), backend('c'), backend('a')], ctx).chosen, 'c');
    assert.equal(select([backend('a', { status: 'down' })], ctx).chosen, undefined);
    assert.equal(select([], ctx).chosen, undefined);
  });

  it('a missing module fails with an error naming the config key and the path', async () => {
    const missing = join(dir, 'does-not-exist.mjs');
    await assert.rejects(loadCustomSelector(missing), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.ok(err.message.startsWith(`cannot load backends.selector_module ${missing}: `), err.message);
      return true;
    });
  });

  it('a module without a select or default function fails with a clear error', async () => {
    const file = join(dir, 'no-select.mjs');
    await assert.rejects(loadCustomSelector(file), { message: `backends.selector_module ${file} exports no select function` });
  });
});
