// Fuzzes the client transport with malformed frames: every frame is answered (or the socket is
// closed cleanly for oversized ones), no reply leaks a stack trace, and the proxy stays up.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startJanus, type JanusInstance } from '../support/janus-fixture.js';
import { JanusTestClient, type JanusMessage } from '../support/janus-client.js';
import { startTestProxy, type TestProxy } from '../support/proxy-fixture.js';
import { nestsDeeperThan } from '../../src/protocol/frames.js';

const MAX_MESSAGE_BYTES = 64 * 1024;
const VERBS = ['create', 'attach', 'message', 'trickle', 'keepalive', 'claim', 'detach', 'hangup', 'destroy', 'info', 'ping', 'x'];

/** A small seeded PRNG so a failing case can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 2 ** 32;
  };
}

function randomValue(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 7 : 9));
  switch (pick) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return Math.floor(rand() * 2 ** 53) * (rand() < 0.3 ? -1 : 1);
    case 3: return [1e308, -0, 0.5, 2 ** 64, Number.MAX_SAFE_INTEGER + 2][Math.floor(rand() * 5)];
    case 4: return 'x'.repeat(Math.floor(rand() * 3000));
    case 5: return VERBS[Math.floor(rand() * VERBS.length)];
    case 6: return '\u0000\ud800💥';
    case 7: return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    default: return randomObject(rand, depth + 1);
  }
}

function randomObject(rand: () => number, depth: number): Record<string, unknown> {
  const keys = ['janus', 'transaction', 'session_id', 'handle_id', 'id', 'plugin', 'body', 'jsep', 'candidate', 'candidates', 'apisecret', 'opaque_id'];
  const out: Record<string, unknown> = {};
  for (const key of keys) if (rand() < 0.5) out[key] = randomValue(rand, depth);
  return out;
}

function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function fuzzFrames(seed: number, count: number, sessionId: number, handleId: number): (string | Buffer)[] {
  const rand = prng(seed);
  const frames: (string | Buffer)[] = [
    '', ' ', 'null', '42', '"text"', 'true', '[]', '{}', '{"janus":', '\u0000', nested(20_000),
    `{"janus":"message","transaction":"deep","session_id":${String(sessionId)},"handle_id":${String(handleId)},"body":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
    `{"janus":"message","transaction":"big-number","session_id":${String(sessionId)},"handle_id":${String(handleId)},"body":{"audio":1e400}}`,
    randomBytes(512),
  ];
  for (let i = 0; i < count; i++) {
    const obj = randomObject(rand, 0);
    if (rand() < 0.5) obj.transaction = `fz-${String(i)}`;
    if (rand() < 0.3) obj.session_id = sessionId;
    if (rand() < 0.2) obj.handle_id = handleId;
    frames.push(rand() < 0.1 ? randomBytes(Math.floor(rand() * 200) + 1) : JSON.stringify(obj));
  }
  return frames;
}

const REPLY_KINDS = new Set(['success', 'error', 'ack', 'pong', 'server_info']);

/** The frame's transaction if Janus would accept it as one (a string in a JSON object). */
function transactionOf(frame: string | Buffer): string | undefined {
  if (nestsDeeperThan(frame.toString())) return undefined; // rejected before its transaction is read, as Janus does
  try {
    const parsed: unknown = JSON.parse(frame.toString());
    const tx = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { transaction?: unknown }).transaction : undefined;
    return typeof tx === 'string' ? tx : undefined;
  } catch {
    return undefined;
  }
}

function assertNoLeak(frame: JanusMessage): void {
  const text = JSON.stringify(frame);
  assert.doesNotMatch(text, /\bat .+:\d+:\d+|\.ts:\d+|node_modules|stack/i, `reply leaks internals: ${text}`);
}

describe('transport fuzzing', () => {
  let janus: JanusInstance;
  let proxy: TestProxy;

  before(async () => {
    janus = await startJanus({ netns: false, plugins: ['echotest'] });
    proxy = await startTestProxy([janus], { ws_transport: { max_message_bytes: MAX_MESSAGE_BYTES } });
  });
  after(async () => {
    await proxy.stop();
    await janus.stop();
  });

  it('answers every malformed frame and stays up', async () => {
    const client = await JanusTestClient.connect(proxy.url);
    try {
      const sessionId = await client.createSession();
      const handleId = await client.attach(sessionId, 'janus.plugin.echotest');
      const frames = fuzzFrames(20261121, 400, sessionId, handleId);
      for (const [index, frame] of frames.entries()) {
        const since = client.mark();
        client.sendRaw(frame);
        // A ping behind each frame: synchronous answers (every envelope error) arrive before its pong.
        const marker = `marker-${String(index)}`;
        client.send({ janus: 'ping', transaction: marker });
        await client.waitFor((m) => m.transaction === marker, 10_000, since);
        const answers = client.frames.slice(since).filter((m) => m.transaction !== marker);
        const transaction = transactionOf(frame);
        if (answers.length === 0 && transaction !== undefined) {
          // Requests that go through a handle's queue or a backend are answered later, under their transaction.
          answers.push(await client
            .waitFor((m) => m.transaction === transaction && REPLY_KINDS.has(m.janus), 15_000, since)
            .catch((err: unknown) => {
              throw new Error(`frame ${String(index)} got no reply: ${String(frame).slice(0, 300)}`, { cause: err });
            }));
        }
        assert.ok(answers.length >= 1, `frame ${String(index)} got no answer: ${String(frame).slice(0, 200)}`);
        answers.forEach(assertNoLeak);
      }
    } finally {
      await client.close();
    }
  });

  it('answers an oversized frame with an error and closes the socket cleanly', async () => {
    const client = await JanusTestClient.connect(proxy.url);
    const since = client.mark();
    client.sendRaw(JSON.stringify({ janus: 'ping', transaction: 'huge', pad: 'x'.repeat(MAX_MESSAGE_BYTES * 2) }));
    const error = await client.waitFor((m) => m.janus === 'error', 5000, since);
    assert.equal((error.error as { code: number }).code, 454);
    const closed = await client.closed;
    assert.equal(closed.code, 1009);
  });

  it('closes a frame beyond the hard limit without crashing, and keeps serving others', async () => {
    const client = await JanusTestClient.connect(proxy.url);
    client.sendRaw(Buffer.alloc(MAX_MESSAGE_BYTES * 8, 0x20));
    const closed = await client.closed;
    assert.equal(closed.code, 1009);
    const fresh = await JanusTestClient.connect(proxy.url);
    try {
      assert.equal((await fresh.request({ janus: 'ping' })).janus, 'pong');
    } finally {
      await fresh.close();
    }
  });
});
