import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BackendLink, type BackendLinkListener, type OpenRequest } from '../../src/plugins/backend-link.js';
import type { BackendHandle } from '../../src/backend/backend-handle.js';
import type { ReplyReceiver } from '../../src/backend/pending-requests.js';
import type { JsonObject } from '../../src/protocol/messages.js';

/** A backend handle that records what is sent and lets the test answer it. */
function fakeHandle(): { handle: BackendHandle; sent: { transaction: string; receiver: ReplyReceiver }[] } {
  const sent: { transaction: string; receiver: ReplyReceiver }[] = [];
  const handle = {
    listener: undefined,
    sendMessage(_body: JsonObject, _jsep: JsonObject | undefined, transaction: string, receiver: ReplyReceiver) {
      sent.push({ transaction, receiver });
    },
  } as unknown as BackendHandle;
  return { handle, sent };
}

function recorder(): BackendLinkListener<string> & { events: { msg: JsonObject; request: OpenRequest<string> | undefined }[] } {
  const events: { msg: JsonObject; request: OpenRequest<string> | undefined }[] = [];
  return {
    events,
    onEvent: (msg, request) => events.push({ msg, request }),
    onDetached: () => undefined,
    onLost: () => undefined,
  };
}

/** Client transactions of the events that found their open request, in arrival order. */
const matchedTransactions = (listener: ReturnType<typeof recorder>): unknown[] =>
  listener.events.filter((e) => e.request !== undefined).map((e) => e.msg.transaction);

const ignore: ReplyReceiver = { resolve: () => undefined, reject: () => undefined };

describe('BackendLink open requests', () => {
  it('matches events to their client transactions in any order, each once', () => {
    const { handle, sent } = fakeHandle();
    const listener = recorder();
    const link = new BackendLink<string>(handle, listener);
    for (const tx of ['c1', 'c2', 'c3']) link.send({}, undefined, tx, `tag-${tx}`, ignore);
    const [a, b, c] = sent.map((s) => s.transaction);
    for (const s of sent) s.receiver.resolve({ janus: 'ack' });
    link.onBackendEvent({ janus: 'event', transaction: b });
    link.onBackendEvent({ janus: 'event', transaction: a });
    link.onBackendEvent({ janus: 'event', transaction: c });
    link.onBackendEvent({ janus: 'event', transaction: a });
    assert.deepEqual(listener.events.map((e) => e.msg.transaction), ['c2', 'c1', 'c3', undefined]);
    assert.deepEqual(listener.events.map((e) => e.request?.tag), ['tag-c2', 'tag-c1', 'tag-c3', undefined]);
  });

  it('keeps a request open after an ack (its event is to come) and forgets it after success or error', () => {
    const { handle, sent } = fakeHandle();
    const listener = recorder();
    const link = new BackendLink<string>(handle, listener);
    link.send({}, undefined, 'acked', 'x', ignore);
    link.send({}, undefined, 'answered', 'y', ignore);
    link.send({}, undefined, 'failed', 'z', ignore);
    const [acked, answered, failed] = sent;
    acked?.receiver.resolve({ janus: 'ack' });
    answered?.receiver.resolve({ janus: 'success' });
    failed?.receiver.reject(new Error('no'));
    for (const s of sent) link.onBackendEvent({ janus: 'event', transaction: s.transaction });
    assert.deepEqual(listener.events.map((e) => e.msg.transaction), ['acked', undefined, undefined]);
  });

  it('lets a non-event message with a transaction through without closing its request', () => {
    const { handle, sent } = fakeHandle();
    const listener = recorder();
    const link = new BackendLink<string>(handle, listener);
    link.send({}, undefined, 'c1', 't', ignore);
    const tx = sent[0]?.transaction;
    link.onBackendEvent({ janus: 'webrtcup', transaction: tx });
    link.onBackendEvent({ janus: 'event', transaction: tx });
    assert.deepEqual(listener.events.map((e) => e.msg.transaction), ['c1', 'c1']);
    assert.equal(link.hadPeerConnection, true);
  });

  it('holds at most 64 open requests: the oldest are forgotten first, the one held apart from the map included', () => {
    const { handle, sent } = fakeHandle();
    const listener = recorder();
    const link = new BackendLink<string>(handle, listener);
    for (let i = 0; i < 70; i++) link.send({}, undefined, `c${i}`, 't', ignore);
    for (const s of sent) link.onBackendEvent({ janus: 'event', transaction: s.transaction });
    const matched = matchedTransactions(listener);
    assert.deepEqual(matched, Array.from({ length: 64 }, (_, i) => `c${i + 6}`));
  });

  it('reuses the slot held apart once its request is answered, while older ones wait in the map', () => {
    const { handle, sent } = fakeHandle();
    const listener = recorder();
    const link = new BackendLink<string>(handle, listener);
    link.send({}, undefined, 'a', 't', ignore);
    link.send({}, undefined, 'b', 't', ignore);
    link.onBackendEvent({ janus: 'event', transaction: sent[0]?.transaction });
    link.send({}, undefined, 'c', 't', ignore);
    for (let i = 0; i < 62; i++) link.send({}, undefined, `d${i}`, 't', ignore);
    // 64 open now (b, c, d0…d61); one more forgets the oldest, b (in the map), not c (held apart).
    link.send({}, undefined, 'e', 't', ignore);
    for (const s of sent.slice(1)) link.onBackendEvent({ janus: 'event', transaction: s.transaction });
    const matched = matchedTransactions(listener);
    assert.deepEqual(matched, ['a', 'c', ...Array.from({ length: 62 }, (_, i) => `d${i}`), 'e']);
  });
});
