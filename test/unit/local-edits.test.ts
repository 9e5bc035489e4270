// LocalEdits: a read's answer is applied for every key but those edited after the read was sent.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LocalEdits } from '../../src/store/redis/local-edits.js';

/** A read whose answer the test hands over when it likes. */
function pendingRead(): { send: () => Promise<string>; answer: (value: string) => void } {
  let answer: (value: string) => void = () => undefined;
  const promise = new Promise<string>((resolve) => { answer = resolve; });
  return { send: () => promise, answer: (value) => { answer(value); } };
}

describe('LocalEdits', () => {
  it('marks only the keys edited after a read was sent', async () => {
    const edits = new LocalEdits();
    edits.edited('before');
    const read = pendingRead();
    let seen: Record<string, boolean> | undefined;
    const done = edits.read(read.send, (_, editedSince) => {
      seen = { before: editedSince('before'), during: editedSince('during'), other: editedSince('other') };
    });
    edits.edited('during');
    read.answer('x');
    await done;
    assert.deepEqual(seen, { before: false, during: true, other: false });
  });

  it('with two reads in flight, each knows its own edits; none are kept once both are answered', async () => {
    const edits = new LocalEdits();
    const first = pendingRead();
    const results: string[] = [];
    const one = edits.read(first.send, (_, editedSince) => { results.push(`first:${String(editedSince('a'))}:${String(editedSince('b'))}`); });
    edits.edited('a');
    const second = pendingRead();
    const two = edits.read(second.send, (_, editedSince) => { results.push(`second:${String(editedSince('a'))}:${String(editedSince('b'))}`); });
    edits.edited('b');
    first.answer('1');
    second.answer('2');
    await Promise.all([one, two]);
    assert.deepEqual(results, ['first:true:true', 'second:false:true']);
    const third = pendingRead();
    const three = edits.read(third.send, (_, editedSince) => { results.push(`third:${String(editedSince('a'))}:${String(editedSince('b'))}`); });
    third.answer('3');
    await three;
    assert.equal(results.at(-1), 'third:false:false');
  });

  it('a failed read applies nothing and rejects', async () => {
    const edits = new LocalEdits();
    let used = false;
    await assert.rejects(edits.read(() => Promise.reject(new Error('down')), () => { used = true; }), /down/);
    assert.equal(used, false);
  });
});
